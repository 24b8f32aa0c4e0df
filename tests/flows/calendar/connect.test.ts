import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { GOOGLE_TEST_CLIENT } from "../../helpers/fakeGoogle";
import { TEST_ENV } from "../../helpers/fakeWorld";
import { callback, connectCalendar, connectionOf } from "../../helpers/calendar";
import { rows, setupWorld, type Backend } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

async function stored(t: Backend) {
  return { states: await rows(t, "oauthStates"), connections: await rows(t, "calendarConnections") };
}

describe("connecting a Google Calendar", () => {
  test("connectUrl is Google's consent page with offline access and a random single-use state stored for the agency", async () => {
    const { t, agencyId } = await setupWorld();
    const url = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId }));
    expect(`${url.origin}${url.pathname}`).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    const p = url.searchParams;
    expect(p.get("client_id")).toBe(GOOGLE_TEST_CLIENT.id);
    expect(p.get("redirect_uri")).toBe(TEST_ENV.GOOGLE_REDIRECT_URI);
    expect(p.get("response_type")).toBe("code");
    expect(p.get("access_type")).toBe("offline");
    expect(p.get("prompt")).toBe("consent");
    expect(p.get("scope")!.split(" ").sort()).toEqual([
      "https://www.googleapis.com/auth/calendar.events",
      "https://www.googleapis.com/auth/calendar.freebusy",
    ]);
    const state = p.get("state")!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(state).not.toContain(agencyId);
    expect(state).not.toContain("Brightline");
    const [row] = await rows(t, "oauthStates");
    expect(row).toMatchObject({ state, agencyId, expiresAt: Date.now() + 10 * 60_000 });
    expect(row.usedAt).toBeUndefined();
    // Each link has its own state.
    const again = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId })).searchParams.get("state");
    expect(again).not.toBe(state);
  });

  test("the redirect URI defaults to the deployment's site URL", async () => {
    const { t, agencyId } = await setupWorld({ env: { GOOGLE_REDIRECT_URI: "" } });
    vi.stubEnv("CONVEX_SITE_URL", "https://brave-fox-42.convex.site");
    const url = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId }));
    expect(url.searchParams.get("redirect_uri")).toBe("https://brave-fox-42.convex.site/oauth/google/callback");
  });

  test("without Google credentials connectUrl says which variable is missing", async () => {
    const { t, agencyId } = await setupWorld({ env: { GOOGLE_CLIENT_ID: "" } });
    await expect(t.mutation(internal.calendar.connectUrl, { agencyId })).rejects.toThrow(/GOOGLE_CLIENT_ID is not set/);
  });

  test("a good callback stores the connection with its tokens encrypted, and shows Connected", async () => {
    const { t, world, agencyId } = await setupWorld();
    const url = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId }));
    const res = await callback(t, { state: url.searchParams.get("state")!, code: world.google.issueCode() });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Connected");
    const exchange = world.google.requests.find((r) => r.url === "https://oauth2.googleapis.com/token")!;
    expect(new URLSearchParams(exchange.raw).get("grant_type")).toBe("authorization_code");
    expect(new URLSearchParams(exchange.raw).get("redirect_uri")).toBe(TEST_ENV.GOOGLE_REDIRECT_URI);

    const connection = await connectionOf(t, agencyId);
    expect(connection).toMatchObject({ agencyId, provider: "google", calendarId: "primary", status: "connected" });
    expect(connection!.accessTokenExpiresAt).toBe(Date.now() + 3599_000);
    const document = JSON.stringify(connection);
    expect(world.google.issuedTokens).toHaveLength(2);
    for (const token of world.google.issuedTokens) expect(document).not.toContain(token);
    expect(connection!.sealedRefreshToken).toMatch(/^v1:/);

    const status = await t.query(internal.calendar.status, { agencyId });
    expect(status).toMatchObject({ status: "connected", calendarId: "primary", busyBlocks: 0, accessTokenExpiresAt: connection!.accessTokenExpiresAt });
    expect(JSON.stringify(status)).not.toMatch(/sealed|v1:/);
    for (const token of world.google.issuedTokens) expect(JSON.stringify(status)).not.toContain(token);
  });

  test("an unknown, expired or reused state, or Google's error, is refused with 400 and nothing written", async () => {
    const { t, world, agencyId } = await setupWorld();
    const state = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId })).searchParams.get("state")!;
    const before = await stored(t);

    const refusals: Record<string, string>[] = [
      { state: "forged-state-value", code: world.google.issueCode() },
      { state: agencyId, code: world.google.issueCode() },
      { state, error: "access_denied" },
      { code: world.google.issueCode() },
    ];
    for (const params of refusals) {
      const res = await callback(t, params);
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain(params.state ?? "never-echoed");
      expect(await stored(t)).toEqual(before);
    }
    expect(world.google.requests).toHaveLength(0);

    // Eleven minutes later the state has expired.
    vi.advanceTimersByTime(11 * 60_000);
    expect((await callback(t, { state, code: world.google.issueCode() })).status).toBe(400);
    expect(await stored(t)).toEqual(before);
    expect(world.google.requests).toHaveLength(0);
  });

  test("a state works once: the second use is refused and changes nothing", async () => {
    const { t, world, agencyId } = await setupWorld();
    const state = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId })).searchParams.get("state")!;
    expect((await callback(t, { state, code: world.google.issueCode() })).status).toBe(200);
    const after = await stored(t);
    expect(after.states[0].usedAt).toBe(Date.now());
    const replay = await callback(t, { state, code: world.google.issueCode() });
    expect(replay.status).toBe(400);
    expect(await stored(t)).toEqual(after);
    expect(world.google.requests.filter((r) => r.url.includes("oauth2"))).toHaveLength(1);
  });

  test("the agency comes from the stored state only, whatever else the redirect carries", async () => {
    const { t, world, agencyId } = await setupWorld();
    const other = await t.mutation(internal.agencies.create, { name: "Brightline Growth", timeZone: "America/Chicago", availability: ["Mon-Fri 09:00-17:00"] });
    const state = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId: other })).searchParams.get("state")!;
    expect((await callback(t, { state, code: world.google.issueCode(), agencyId })).status).toBe(200);
    expect(await connectionOf(t, agencyId)).toBeNull();
    expect(await connectionOf(t, other)).toMatchObject({ status: "connected" });
  });

  test("disconnect forgets the tokens; status then shows no connection", async () => {
    const { t, world, agencyId } = await setupWorld();
    await connectCalendar(t, world, agencyId);
    await t.mutation(internal.calendar.disconnect, { agencyId });
    expect(await connectionOf(t, agencyId)).toBeNull();
    expect(await t.query(internal.calendar.status, { agencyId })).toBeNull();
  });
});

import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { notificationRows } from "../../helpers/backend";
import { busyBlocks, connectCalendar, connectionOf } from "../../helpers/calendar";
import { bookAt } from "../../helpers/world";
import { apiError } from "../../helpers/fakeGoogle";
import { placeCall, runScheduled, setupWorld, slackOn, type Backend } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

// Saturday 21 Nov 2026 15:00 UTC (10:00 New York). Dana's meeting: Tue 24 Nov 14:00-14:30 New York = 19:00-19:30 UTC.
const MEETING = "2026-11-24T14:00:00-05:00";

async function connected(agency: Record<string, unknown> = {}) {
  const w = await setupWorld({ agency: { meetingDurationMinutes: 30, ...agency } });
  await connectCalendar(w.t, w.world, w.agencyId);
  return w;
}

const sync = (t: Backend, agencyId: Id<"agencies">) => t.action(internal.calendar.sync, { agencyId });

describe("busy blocks from the agency's Google Calendar", () => {
  test("a sync stores free/busy over the horizon, leaving out Atlas's own meetings", async () => {
    const { t, world, agencyId, opportunityId } = await connected();
    await bookAt(t, agencyId, opportunityId, MEETING);
    await runScheduled(t);
    world.google.busy = [
      { start: "2026-11-23T15:00:00Z", end: "2026-11-23T16:00:00Z" },
      // Dana's own event (19:00-19:30) back to back with a dentist appointment until 20:00.
      { start: "2026-11-24T19:00:00Z", end: "2026-11-24T20:00:00Z" },
      // Past the horizon's end: not asked for.
      { start: "2027-03-01T15:00:00Z", end: "2027-03-01T16:00:00Z" },
    ];
    expect(await sync(t, agencyId)).toEqual({ outcome: "synced", blocks: 2 });
    expect(await busyBlocks(t, agencyId)).toEqual([
      { start: "2026-11-23T15:00:00.000Z", end: "2026-11-23T16:00:00.000Z", source: "google" },
      { start: "2026-11-24T19:30:00.000Z", end: "2026-11-24T20:00:00.000Z", source: "google" },
    ]);
    const [request] = world.google.freeBusyRequests;
    const body = request.body as { timeMin: string; timeMax: string; items: { id: string }[] };
    expect(body.items).toEqual([{ id: "primary" }]);
    expect(Date.parse(body.timeMin)).toBe(Date.now());
    expect(Date.parse(body.timeMax)).toBeGreaterThan(Date.now() + 7 * 86_400_000);
    expect(await t.query(internal.calendar.status, { agencyId })).toMatchObject({ status: "connected", busyBlocks: 2, lastSyncedAt: Date.now() });

    // The next sync replaces the blocks: a cancelled appointment frees its time.
    world.google.busy = [{ start: "2026-11-25T15:00:00Z", end: "2026-11-25T15:45:00Z" }];
    await sync(t, agencyId);
    expect(await busyBlocks(t, agencyId)).toEqual([{ start: "2026-11-25T15:00:00.000Z", end: "2026-11-25T15:45:00.000Z", source: "google" }]);
  });

  test("thousands of blocks are written and replaced in bounded batches", async () => {
    const { t, world, agencyId } = await connected({ horizonDays: 30 });
    const start = Date.parse("2026-11-23T00:00:00Z");
    const many = (offset: number) =>
      Array.from({ length: 1200 }, (_, i) => ({
        start: new Date(start + i * 20 * 60_000 + offset).toISOString(),
        end: new Date(start + i * 20 * 60_000 + offset + 10 * 60_000).toISOString(),
      }));
    world.google.busy = many(0);
    await sync(t, agencyId);
    expect(await busyBlocks(t, agencyId)).toHaveLength(1200);
    world.google.busy = many(5 * 60_000);
    await sync(t, agencyId);
    const blocks = await busyBlocks(t, agencyId);
    expect(blocks).toHaveLength(1200);
    expect(blocks[0].start).toBe("2026-11-23T00:05:00.000Z");
  });

  test("a free/busy answer with errors keeps the last blocks and flags the connection", async () => {
    const { t, world, agencyId } = await connected();
    world.google.busy = [{ start: "2026-11-23T15:00:00Z", end: "2026-11-23T16:00:00Z" }];
    await sync(t, agencyId);
    const before = await busyBlocks(t, agencyId);

    world.google.freeBusyErrors = [{ domain: "global", reason: "backendError" }];
    vi.advanceTimersByTime(10 * 60_000);
    expect(await sync(t, agencyId)).toMatchObject({ outcome: "unknown" });
    expect(await busyBlocks(t, agencyId)).toEqual(before);
    const status = await t.query(internal.calendar.status, { agencyId });
    expect(status).toMatchObject({ status: "error", busyBlocks: 1, lastSyncedAt: Date.now() - 10 * 60_000 });
    expect(status!.lastError).toMatch(/backendError/);

    world.google.freeBusyErrors = null;
    world.google.busy = [];
    expect(await sync(t, agencyId)).toEqual({ outcome: "synced", blocks: 0 });
    expect(await t.query(internal.calendar.status, { agencyId })).toMatchObject({ status: "connected", busyBlocks: 0 });
  });

  test("a sync Google could not answer runs again after the shared backoff", async () => {
    const { t, world, agencyId } = await connected();
    world.google.busy = [{ start: "2026-11-23T15:00:00Z", end: "2026-11-23T16:00:00Z" }];
    world.google.apiFailures = [apiError(503, "backendError", "Backend Error")];
    expect(await sync(t, agencyId)).toMatchObject({ outcome: "retry" });
    expect(await busyBlocks(t, agencyId)).toEqual([]);
    await runScheduled(t);
    const [first, second] = world.google.freeBusyRequests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(30_000);
    expect(await busyBlocks(t, agencyId)).toHaveLength(1);
    expect(await t.query(internal.calendar.status, { agencyId })).toMatchObject({ status: "connected" });
  });

  test("a call's dial syncs stale blocks first, then dials; fresh blocks are not fetched again", async () => {
    const { t, world, agencyId, opportunityId } = await connected();
    world.google.busy = [{ start: "2026-11-23T15:00:00Z", end: "2026-11-23T16:00:00Z" }];
    const { callId } = await placeCall(t, opportunityId);
    const order = world.requests.map((r) => (r.url.endsWith("/freeBusy") ? "freeBusy" : r.url.includes("api.vapi.ai/call") ? "vapi" : "other"));
    expect(order.indexOf("freeBusy")).toBeGreaterThanOrEqual(0);
    expect(order.indexOf("freeBusy")).toBeLessThan(order.indexOf("vapi"));
    expect(await busyBlocks(t, agencyId)).toHaveLength(1);
    expect(callId).toBeDefined();

    // Five minutes later the blocks are fresh: a second call dials without asking Google.
    vi.advanceTimersByTime(5 * 60_000);
    const other = await t.mutation(internal.opportunities.create, { agencyId, name: "Sam Lee", phone: "+12015550177" });
    await placeCall(t, other);
    expect(world.google.freeBusyRequests).toHaveLength(1);
  });

  test("an agency without a calendar dials without any Google request", async () => {
    const { t, world, opportunityId } = await setupWorld();
    await placeCall(t, opportunityId);
    expect(world.google.requests).toHaveLength(0);
  });

  test("the cron syncs every connected agency, skipping ones that need reconnecting", async () => {
    const { t, world, agencyId } = await connected();
    const second = await t.mutation(internal.agencies.create, { name: "Northwind", timeZone: "America/Chicago", availability: ["Mon-Fri 09:00-17:00"] });
    await connectCalendar(t, world, second);
    const third = await t.mutation(internal.agencies.create, { name: "Lapsed", timeZone: "America/Chicago", availability: ["Mon-Fri 09:00-17:00"] });
    await connectCalendar(t, world, third);
    await t.run(async (ctx) => {
      const c = await ctx.db.query("calendarConnections").withIndex("by_agency", (q) => q.eq("agencyId", third)).unique();
      await ctx.db.patch("calendarConnections", c!._id, { status: "needs_reauth" });
    });
    expect(await t.mutation(internal.calendar.syncAll, {})).toBe(2);
    await runScheduled(t);
    expect(world.google.freeBusyRequests).toHaveLength(2);
    expect((await connectionOf(t, agencyId))!.lastSyncedAt).toBe(Date.now());
    expect((await connectionOf(t, second))!.lastSyncedAt).toBe(Date.now());
    expect((await connectionOf(t, third))!.lastSyncedAt).toBeUndefined();
  });
});

describe("tokens", () => {
  test("a token expiring within five minutes is refreshed once before use, even by two syncs at once", async () => {
    const { t, world, agencyId } = await connected();
    vi.advanceTimersByTime(56 * 60_000); // 3 min 59 s left
    const results = await Promise.all([sync(t, agencyId), sync(t, agencyId)]);
    expect(world.google.refreshes).toHaveLength(1);
    expect(results.map((r) => r.outcome).sort()).toEqual(["retry", "synced"]);
    const refreshed = await connectionOf(t, agencyId);
    expect(refreshed!.accessTokenExpiresAt).toBe(Date.now() + 3599_000);
    expect(refreshed!.refreshLease).toBeUndefined();
    // The fake accepts only live tokens: the sync used the new one.
    const newest = world.google.issuedTokens.at(-1)!;
    expect(world.google.freeBusyRequests.at(-1)!.headers.authorization).toBe(`Bearer ${newest}`);
    for (const token of world.google.issuedTokens) expect(JSON.stringify(refreshed)).not.toContain(token);

    await sync(t, agencyId);
    expect(world.google.refreshes).toHaveLength(1);
  });

  test("invalid_grant: needs_reauth, staff told once, and no further Google request until reconnected", async () => {
    const { t, world, agencyId, opportunityId } = await connected();
    await slackOn(t, agencyId, "calendar_disconnected");
    world.google.revokeAll();
    vi.advanceTimersByTime(60 * 60_000);
    expect(await sync(t, agencyId)).toMatchObject({ outcome: "skipped" });
    expect(await t.query(internal.calendar.status, { agencyId })).toMatchObject({ status: "needs_reauth" });
    const seen = world.google.requests.length;

    await sync(t, agencyId);
    await t.mutation(internal.calendar.syncAll, {});
    await bookAt(t, agencyId, opportunityId, MEETING);
    await runScheduled(t);
    await placeCall(t, await t.mutation(internal.opportunities.create, { agencyId, name: "Sam Lee", phone: "+12015550177" }));
    expect(world.google.requests).toHaveLength(seen);

    const notes = (await notificationRows(t)).filter((n) => n.text.includes("Calendar disconnected"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ status: "sent", kind: "slack" });
    const item = (await t.run((ctx) => ctx.db.query("notificationItems").collect())).find((i) => i.event === "calendar_disconnected");
    expect(item?.opportunityId).toBeUndefined();

    // Reconnecting starts again: the held event write goes out.
    await connectCalendar(t, world, agencyId);
    await runScheduled(t);
    expect(await t.query(internal.calendar.status, { agencyId })).toMatchObject({ status: "connected" });
    expect(world.google.eventRequests("POST")).toHaveLength(1);
  });
});

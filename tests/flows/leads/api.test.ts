/**
 * POST /api/leads: a CRM posts a lead with its API key. Created (201), the same phone again (200),
 * refused keys (401, nothing written), bad bodies (400, never echoing values), the rate limit (429),
 * oversized bodies (413), Idempotency-Key replays and speed-to-lead dials.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { apiKeyFor, postLead } from "../../helpers/leads";
import { type Backend, DANA_PHONE, rows, runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

const LEAD = { name: "Priya Raman", phone: "(201) 555-0142", email: "priya@clinic.example", source: "facebook-ads" };

let logLines: string[];
beforeEach(() => {
  logLines = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logLines.push(args.map(String).join(" ")));
});
afterEach(() => vi.restoreAllMocks());

/** Every table a lead request may write. */
async function written(t: Backend) {
  return {
    opportunities: await rows(t, "opportunities"),
    calls: await rows(t, "calls"),
    apiKeys: await rows(t, "apiKeys"),
    leadRequests: await rows(t, "leadRequests"),
    tasks: await rows(t, "tasks"),
  };
}

async function world(agency: Record<string, unknown> = {}) {
  const w = await setupWorld({ agency });
  const { keyId, key } = await apiKeyFor(w.t, w.agencyId);
  return { ...w, keyId, key };
}

describe("POST /api/leads", () => {
  test("201: the lead becomes a prospect of the key's agency, not called without callNow", async () => {
    const { t, world: fake, agencyId, key } = await world();
    const res = await postLead(t, key, { ...LEAD, timeZone: "America/Chicago", crmContactId: "ghl-123" });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { opportunityId: Id<"opportunities">; callId?: string };
    expect(Object.keys(body)).toEqual(["opportunityId"]);
    const created = await t.run((ctx) => ctx.db.get("opportunities", body.opportunityId));
    expect(created).toMatchObject({
      agencyId,
      name: "Priya Raman",
      phone: "+12015550142",
      email: "priya@clinic.example",
      timeZone: "America/Chicago",
      timeZoneSource: "given",
      status: "New",
      source: "api",
      leadSource: "facebook-ads",
    });
    await runScheduled(t);
    expect(await rows(t, "calls")).toHaveLength(0);
    expect(fake.vapiCreates).toHaveLength(0);
  });

  test("callNow: dialled at once through the existing dial path, marked speed-to-lead", async () => {
    const { t, world: fake, key } = await world();
    const res = await postLead(t, key, { ...LEAD, callNow: true });
    expect(res.status).toBe(201);
    const { opportunityId, callId } = (await res.json()) as { opportunityId: Id<"opportunities">; callId: Id<"calls"> };
    expect(callId).toBeDefined();
    const call = await t.run((ctx) => ctx.db.get("calls", callId));
    expect(call).toMatchObject({ opportunityId, speedToLead: true, status: "scheduled", attempt: 1 });
    expect(call!.offeredSlots!.length).toBeGreaterThanOrEqual(3);
    await runScheduled(t);
    expect(fake.vapiCreates).toHaveLength(1);
    expect(fake.vapiCreates[0].body).toMatchObject({ customer: { number: "+12015550142" } });
  });

  test("the agency's setting calls new API leads at once; callNow: false still holds one back", async () => {
    const { t, world: fake, key } = await world({ callNewLeadsAtOnce: true });
    const first = (await (await postLead(t, key, LEAD)).json()) as { callId?: string };
    expect(first.callId).toBeDefined();
    const second = (await (await postLead(t, key, { ...LEAD, phone: "+12015550177", callNow: false })).json()) as { callId?: string };
    expect(second.callId).toBeUndefined();
    await runScheduled(t);
    expect(fake.vapiCreates).toHaveLength(1);
  });

  test("200: the same phone for the agency is the existing prospect, never a duplicate or a second dial", async () => {
    const { t, world: fake, opportunityId, key } = await world();
    // Dana is the seeded prospect: her number written another way.
    const res = await postLead(t, key, { name: "Dana W.", phone: "201.555.0123", callNow: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ opportunityId });
    const all = await rows(t, "opportunities");
    expect(all.filter((o) => o.phone === DANA_PHONE)).toHaveLength(1);
    expect(all.find((o) => o._id === opportunityId)!.name).toBe("Dana Whitfield");
    await runScheduled(t);
    expect(fake.vapiCreates).toHaveLength(0);
  });

  test("a key touches only its own agency", async () => {
    const { t, opportunityId } = await world();
    const other = await t.mutation(internal.agencies.create, { name: "Other", timeZone: "America/Denver", availability: ["Mon-Fri 09:00-17:00"] });
    const { key } = await apiKeyFor(t, other, "Zapier");
    const res = await postLead(t, key, { name: "Dana", phone: DANA_PHONE });
    expect(res.status).toBe(201);
    const { opportunityId: created } = (await res.json()) as { opportunityId: Id<"opportunities"> };
    expect(created).not.toBe(opportunityId);
    expect(await t.run((ctx) => ctx.db.get("opportunities", created))).toMatchObject({ agencyId: other });
  });

  test("401 for a missing, malformed, unknown or revoked key, and nothing is written", async () => {
    const { t, keyId, key } = await world();
    const unknown = key.slice(0, -4) + (key.endsWith("AAAA") ? "BBBB" : "AAAA");
    await t.mutation(internal.apiKeys.revoke, { keyId });
    const before = await written(t);
    const attempts: [string, Promise<Response>][] = [
      ["missing", postLead(t, null, LEAD)],
      ["not bearer", postLead(t, null, LEAD, { authorization: `Basic ${btoa(`x:${key}`)}` })],
      ["malformed", postLead(t, "atlas_123", LEAD)],
      ["unknown", postLead(t, unknown, LEAD)],
      ["revoked", postLead(t, key, { ...LEAD, callNow: true })],
    ];
    for (const [what, attempt] of attempts) {
      const res = await attempt;
      expect(res.status, what).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
    }
    await runScheduled(t);
    expect(await written(t)).toEqual(before);
    const outcomes = logLines.map((l) => JSON.parse(l) as { event: string; status?: number; reason?: string }).filter((l) => l.event === "lead.request");
    expect(outcomes.map((o) => [o.status, o.reason])).toEqual([
      [401, "missing"],
      [401, "missing"],
      [401, "unknown"],
      [401, "unknown"],
      [401, "revoked"],
    ]);
  });

  test("400 names every bad field and why, never the value, and writes no prospect", async () => {
    const { t, key } = await world();
    const res = await postLead(t, key, {
      name: "",
      phone: "555-Zq7Kx-99",
      email: "priya.zq7kx@@clinic",
      timeZone: "Atlantis/Zq7Kx_Harbour",
      callNow: "yes",
    });
    expect(res.status).toBe(400);
    const { errors } = (await res.json()) as { errors: { field: string; reason: string }[] };
    expect(errors.map((e) => e.field).sort()).toEqual(["callNow", "email", "name", "phone", "timeZone"]);
    const text = JSON.stringify(errors) + logLines.join("\n");
    for (const value of ["555-Zq7Kx-99", "priya.zq7kx@@clinic", "Atlantis/Zq7Kx_Harbour", "yes"]) expect(text).not.toContain(value);

    const missing = await postLead(t, key, { email: "priya@clinic.example" });
    expect(((await missing.json()) as { errors: unknown }).errors).toEqual([
      { field: "name", reason: "is required" },
      { field: "phone", reason: "is required" },
    ]);
    for (const body of ["{not json", "[1,2]", "null"]) {
      const bad = await postLead(t, key, body);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { errors: { field: string }[] }).errors[0].field).toBe("body");
    }
    expect((await rows(t, "opportunities")).map((o) => o.source)).toEqual(["manual"]);
  });

  test("429 past 60 requests a minute per key; the next minute and other keys go through", async () => {
    const { t, agencyId, key } = await world();
    for (let i = 0; i < 60; i++) {
      const res = await postLead(t, key, { name: `Lead ${i}`, phone: `+1201555${String(1000 + i)}` });
      expect(res.status, `request ${i + 1}`).toBe(201);
    }
    const limited = await postLead(t, key, { name: "One too many", phone: "+12015552000" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect((await rows(t, "opportunities")).length).toBe(61);

    const { key: second } = await apiKeyFor(t, agencyId, "HubSpot");
    expect((await postLead(t, second, { name: "Other key", phone: "+12015552001" })).status).toBe(201);
    vi.advanceTimersByTime(60_000);
    expect((await postLead(t, key, { name: "Next minute", phone: "+12015552002" })).status).toBe(201);
  });

  test("413: a body over 64 KB is refused before anything is read or written", async () => {
    const { t, key } = await world();
    const before = await written(t);
    const res = await postLead(t, key, { ...LEAD, notes: "x".repeat(64 * 1024) });
    expect(res.status).toBe(413);
    expect(await written(t)).toEqual(before);
  });

  test("Idempotency-Key: a retried POST gets the first answer, one prospect and one dial; another body is refused", async () => {
    const { t, world: fake, key } = await world();
    const headers = { "idempotency-key": "ghl-webhook-7f3a" };
    const first = await postLead(t, key, { ...LEAD, callNow: true }, headers);
    const again = await postLead(t, key, { ...LEAD, callNow: true }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    const answer = (await first.json()) as { callId: string };
    expect(answer.callId).toBeDefined();
    expect(await again.json()).toEqual(answer);
    // Without the header, the same phone is the existing prospect.
    expect((await postLead(t, key, { ...LEAD, callNow: true })).status).toBe(200);
    const other = await postLead(t, key, { ...LEAD, name: "Someone else" }, headers);
    expect(other.status).toBe(422);
    expect(await other.json()).toEqual({ errors: [{ field: "Idempotency-Key", reason: "was already used with a different body" }] });
    await runScheduled(t);
    expect(await rows(t, "calls")).toHaveLength(1);
    expect(fake.vapiCreates).toHaveLength(1);

    expect((await postLead(t, key, { name: "Old", phone: "+12015550179" }, { "idempotency-key": "old-2" })).status).toBe(201);
    // A day later the key is forgotten: the same key with another body is a new request, and old answers go.
    vi.advanceTimersByTime(24 * 3_600_000 + 1);
    const later = await postLead(t, key, { ...LEAD, phone: "+12015550177" }, headers);
    expect(later.status).toBe(201);
    expect(await postLead(t, key, { name: "Another", phone: "+12015550178" }, { "idempotency-key": "next" })).toHaveProperty("status", 201);
    expect((await rows(t, "leadRequests")).map((r) => r.idempotencyKey).sort()).toEqual(["ghl-webhook-7f3a", "next"]);
  });

  test("every request and outcome is logged with ids only", async () => {
    const { t, keyId, key } = await world();
    const res = await postLead(t, key, { ...LEAD, callNow: true });
    const { opportunityId, callId } = (await res.json()) as { opportunityId: string; callId: string };
    const outcome = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === "lead.request");
    expect(outcome).toMatchObject({ status: 201, keyId, opportunityId, callId });
    const all = logLines.join("\n");
    for (const secret of [key, "Priya", "555-0142", "5550142", "priya@clinic.example", "facebook-ads"]) expect(all).not.toContain(secret);
  });
});

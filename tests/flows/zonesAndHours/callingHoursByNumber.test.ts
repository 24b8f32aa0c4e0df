/** Calling hours where the phone rings: a prospect without a given zone is dialled by the zones of their number. */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { type Backend, postWebhook, runScheduled, setupWorld } from "../../helpers/world";
import { runDueNow } from "../../helpers/pacing";

// Every test here runs flows on the embedded backend; the first also loads the Convex modules.
vi.setConfig({ testTimeout: 60_000 });

const utc = (iso: string) => Date.parse(iso);

async function startAt(t: Backend, opportunityId: Id<"opportunities">, iso: string) {
  vi.setSystemTime(utc(iso));
  const callId = await t.mutation(internal.calls.startCall, { opportunityId });
  return (await t.run((ctx) => ctx.db.get("calls", callId)))!;
}

const opportunity = (t: Backend, id: Id<"opportunities">) => t.run((ctx) => ctx.db.get("opportunities", id));

describe("a prospect without a given zone", () => {
  test("London agency, New Jersey number: not dialled at 03:30 in New York, but at 08:00 there", async () => {
    const { t, world, opportunityId } = await setupWorld({ agency: { timeZone: "Europe/London" } });
    expect(await opportunity(t, opportunityId)).toMatchObject({
      phone: "+12015550123",
      timeZone: "America/New_York",
      timeZoneSource: "inferred_from_number",
    });
    // Tue Nov 24 08:30 in London, 03:30 EST.
    const call = await startAt(t, opportunityId, "2026-11-24T08:30:00Z");
    expect(call.dialAt).toBe(utc("2026-11-24T13:00:00Z"));
    vi.advanceTimersByTime(0);
    await t.finishInProgressScheduledFunctions();
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(0);

    await runScheduled(t);
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(1);
  });

  test("New York agency, London number: not dialled at 01:30 in London, but at 08:00 there", async () => {
    const { t, world, opportunityId } = await setupWorld({ prospect: { phone: "+44 20 7946 0958" } });
    expect(await opportunity(t, opportunityId)).toMatchObject({ timeZone: "Europe/London", timeZoneSource: "inferred_from_number" });
    // Mon Nov 23 20:30 in New York, Tue 01:30 in London.
    const call = await startAt(t, opportunityId, "2026-11-24T01:30:00Z");
    expect(call.dialAt).toBe(utc("2026-11-24T08:00:00Z"));
    await runScheduled(t);
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(1);
  });

  test("a toll-free number (no area code) waits until it is 08:00-21:00 in every US zone: 08:00 in Honolulu", async () => {
    const { t, opportunityId } = await setupWorld({ prospect: { phone: "+1 800 555 0123" } });
    const stored = (await opportunity(t, opportunityId))!;
    expect(stored).toMatchObject({ timeZone: "America/New_York", timeZoneSource: "inferred_from_number" });
    expect(stored.possibleTimeZones).toEqual(expect.arrayContaining(["America/New_York", "America/Los_Angeles", "Pacific/Honolulu"]));
    // Sat 10:00 EST = 05:00 HST -> 08:00 HST = 18:00Z.
    const call = await startAt(t, opportunityId, "2026-11-21T15:00:00Z");
    expect(call.dialAt).toBe(utc("2026-11-21T18:00:00Z"));
  });

  test("an opportunity stored before zones were inferred is dialled by its number's zone", async () => {
    const { t, world, agencyId } = await setupWorld({ agency: { timeZone: "Europe/London" } });
    const legacyId = await t.run((ctx) =>
      ctx.db.insert("opportunities", { agencyId, name: "Old Row", phone: "+12015550142", status: "New", source: "manual" }),
    );
    const call = await startAt(t, legacyId, "2026-11-24T08:30:00Z");
    expect(call.dialAt).toBe(utc("2026-11-24T13:00:00Z"));
    vi.advanceTimersByTime(0);
    await t.finishInProgressScheduledFunctions();
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(0);
  });

  test("a given zone is the only one: staff know where the prospect is", async () => {
    const { t, opportunityId } = await setupWorld({ prospect: { phone: "+1 800 555 0123", timeZone: "America/New_York" } });
    expect(await opportunity(t, opportunityId)).toMatchObject({ timeZone: "America/New_York", timeZoneSource: "given" });
    expect((await opportunity(t, opportunityId))!.possibleTimeZones).toBeUndefined();
    const call = await startAt(t, opportunityId, "2026-11-21T15:00:00Z");
    expect(call.dialAt).toBe(utc("2026-11-21T15:00:00Z"));
  });
});

describe("an inbound caller", () => {
  test("a new caller's opportunity gets the zone of their number, and hears the time there", async () => {
    const { t } = await setupWorld({ agency: { inboundPhoneNumber: "+12125550100" } });
    const res = await postWebhook(t, {
      message: {
        type: "assistant-request",
        timestamp: 1772550000000,
        call: { id: "vapi-inbound-chicago", type: "inboundPhoneCall", status: "ringing", phoneNumberId: "pn-1", customer: { number: "+13125550187" } },
        phoneNumber: { id: "pn-1", number: "+12125550100" },
        customer: { number: "+13125550187" },
      },
    });
    const reply = (await res.json()) as { assistantOverrides: { variableValues: { localNow: string }; metadata: { opportunityId: Id<"opportunities"> } } };
    expect(await opportunity(t, reply.assistantOverrides.metadata.opportunityId)).toMatchObject({
      source: "inbound",
      timeZone: "America/Chicago",
      timeZoneSource: "inferred_from_number",
    });
    expect(reply.assistantOverrides.variableValues.localNow).toBe("Saturday, November 21, 2026, 9:00 AM CST (America/Chicago)");
  });
});

describe("staff correct the zone", () => {
  test("it becomes the given zone, and a dial already waiting moves to calling hours there", async () => {
    const { t, world, opportunityId } = await setupWorld();
    // Tue 07:30 EST: the dial waits for 08:00 EST.
    const call = await startAt(t, opportunityId, "2026-11-24T12:30:00Z");
    expect(call.dialAt).toBe(utc("2026-11-24T13:00:00Z"));

    // The prospect lives in Los Angeles after all.
    await t.mutation(internal.opportunities.setTimeZone, { opportunityId, timeZone: "America/Los_Angeles" });
    expect(await opportunity(t, opportunityId)).toMatchObject({ timeZone: "America/Los_Angeles", timeZoneSource: "given" });

    // At 08:00 EST it is 05:00 in Los Angeles: the dial moves to 08:00 PST.
    vi.advanceTimersByTime(utc("2026-11-24T13:00:00Z") - Date.now());
    // The pacing gate's pump, then the dial it starts.
    await runDueNow(t);
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(0);
    expect((await t.run((ctx) => ctx.db.get("calls", call._id)))!).toMatchObject({ status: "scheduled", dialAt: utc("2026-11-24T16:00:00Z") });

    await runScheduled(t);
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(1);
  });

  test("null reads the zone from the number again; a zone Luxon does not know is refused, naming the field", async () => {
    const { t, opportunityId } = await setupWorld({ prospect: { timeZone: "Asia/Tokyo" } });
    await t.mutation(internal.opportunities.setTimeZone, { opportunityId, timeZone: null });
    expect(await opportunity(t, opportunityId)).toMatchObject({ timeZone: "America/New_York", timeZoneSource: "inferred_from_number" });
    await expect(t.mutation(internal.opportunities.setTimeZone, { opportunityId, timeZone: "Mars/Olympus" })).rejects.toThrow(/timeZone/);
    expect(await opportunity(t, opportunityId)).toMatchObject({ timeZone: "America/New_York" });
  });
});

/**
 * startCall: refuses clearly (scheduling nothing) when the prospect must not be
 * called, respects calling hours in the prospect's zone, and writes down exactly
 * what Atlas will offer.
 */
import { ConvexError } from "convex/values";
import { DateTime } from "luxon";
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { NOW } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { addProspect, type Backend, getCall, placeCall, postWebhook, promptOf, rows, runScheduled, scheduledFunctions, setupWorld, snapshot } from "../../helpers/world";

const startCall = (t: Backend, opportunityId: Id<"opportunities">) => t.mutation(internal.calls.startCall, { opportunityId });

/** startCall must throw a ConvexError matching `message` and change nothing. */
async function expectRefusal(t: Backend, opportunityId: Id<"opportunities">, message: RegExp) {
  const before = await snapshot(t);
  const error = await startCall(t, opportunityId).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConvexError);
  expect(String((error as ConvexError<string>).data)).toMatch(message);
  expect(await snapshot(t)).toEqual(before);
}

describe("startCall refuses", () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ["Booked", { status: "Booked" }, /is already Booked/],
    ["Rejected", { status: "Rejected" }, /is Rejected/],
    ["opted out (doNotCall)", { doNotCall: true }, /opted out/],
  ])("an opportunity that is %s, scheduling nothing", { timeout: 60_000 }, async (_label, patch, message) => {
    const { t, opportunityId } = await setupWorld();
    await t.run((ctx) => ctx.db.patch("opportunities", opportunityId, patch));
    await expectRefusal(t, opportunityId, message);
  });

  test("a second call while one is in flight (scheduled, live, or being analysed)", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const callId = await startCall(t, opportunityId);
    await expectRefusal(t, opportunityId, new RegExp(`call ${callId} in flight \\(scheduled\\)`));
    await runScheduled(t);
    await expectRefusal(t, opportunityId, /in flight \(queued\)/);

    // Ended, but the analysis is still retrying: still in flight.
    const { vapiCallId } = await getCall(t, callId);
    world.groqReplies = [503];
    await postWebhook(t, endOfCallReport(vapiCallId!, callId, [["User", "Can you call me back next week, I'm driving."]]));
    vi.advanceTimersByTime(1);
    await t.finishInProgressScheduledFunctions();
    expect(await getCall(t, callId)).toMatchObject({ status: "ended", analysisStatus: "retrying" });
    await expectRefusal(t, opportunityId, /in flight/);

    // Once the analysis has finished (here: failed for good), the opportunity may be called again.
    await runScheduled(t);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "failed" });
    const second = await startCall(t, opportunityId);
    expect(await getCall(t, second)).toMatchObject({ attempt: 2, status: "scheduled" });
  });

  test("an unknown opportunity, naming it", async () => {
    const { t, agencyId } = await setupWorld();
    const gone = await addProspect(t, agencyId, "Temp", "+12015550177");
    await t.run((ctx) => ctx.db.delete("opportunities", gone));
    await expectRefusal(t, gone, new RegExp(`opportunity ${gone} not found`));
  });

  test("an agency with no availability: a clear error, nothing written", async () => {
    const { t, opportunityId } = await setupWorld({ agency: { availability: [] } });
    await expectRefusal(t, opportunityId, /has no free slot in the next 7 days/);
  });

  test("an agency whose every slot is booked: the same clear error", async () => {
    const { t, agencyId, opportunityId } = await setupWorld({ agency: { availability: ["Mon 09:00-10:00"] } });
    const other = await addProspect(t, agencyId, "Lee Park", "+12015550188");
    await t.run(async (ctx) => {
      for (const start of ["2026-11-23T09:00:00-05:00", "2026-11-23T09:30:00-05:00"]) {
        await ctx.db.insert("meetings", {
          agencyId,
          opportunityId: other,
          meetingTime: Date.parse(start),
          durationMinutes: 30,
          source: "staff",
          status: "booked",
          sequence: 0,
        });
      }
    });
    await expectRefusal(t, opportunityId, /no free slot/);
  });
});

describe("calling hours (08:00-21:00 in the prospect's zone)", () => {
  test.each([
    // [now (UTC), prospect zone, expected dial (UTC)]
    ["2026-11-23T14:00:00Z", "America/Los_Angeles", "2026-11-23T16:00:00Z"], // 06:00 in LA -> 08:00 LA
    ["2026-11-24T05:30:00Z", "America/Los_Angeles", "2026-11-24T16:00:00Z"], // 21:30 in LA -> next day 08:00 LA
    ["2026-11-23T11:30:00Z", undefined, "2026-11-23T13:00:00Z"], // 06:30 New York (agency zone) -> 08:00
  ])("at %s for a prospect in %s the dial waits until %s", async (now, timeZone, expected) => {
    const { t, world, opportunityId } = await setupWorld({ now: Date.parse(now), prospect: timeZone ? { timeZone } : {} });
    const callId = await startCall(t, opportunityId);
    const dialAt = Date.parse(expected);
    expect((await getCall(t, callId)).dialAt).toBe(dialAt);
    // The dial waits at the pacing gate, due at its calling moment; the gate wakes then.
    expect(await rows(t, "dialQueue")).toEqual([expect.objectContaining({ holder: callId, dueAt: dialAt })]);
    const [job] = await scheduledFunctions(t);
    expect(job).toMatchObject({ name: expect.stringContaining("dialGate"), scheduledTime: dialAt });

    vi.advanceTimersByTime(dialAt - Date.now() - 60_000);
    await t.finishInProgressScheduledFunctions();
    expect(world.vapiCreates).toHaveLength(0);
    expect((await getCall(t, callId)).status).toBe("scheduled");

    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);
    expect(world.vapiCreates[0].at).toBeGreaterThanOrEqual(dialAt);
    const local = DateTime.fromMillis(world.vapiCreates[0].at, { zone: timeZone ?? "America/New_York" });
    expect(local.hour).toBeGreaterThanOrEqual(8);
    expect(local.hour).toBeLessThan(21);
    // The offer made hours ago was refreshed at dial time, and Vapi got the fresh one.
    const dialled = await getCall(t, callId);
    expect(dialled.status).toBe("queued");
    for (const iso of dialled.offeredSlotsISO) expect(Date.parse(iso)).toBeGreaterThanOrEqual(dialAt + 120 * 60_000);
    expect(world.vapiCreates[0].body).toMatchObject({
      assistantOverrides: { metadata: { offeredSlotsISO: dialled.offeredSlotsISO }, variableValues: { schedulingContext: await promptOf(t, callId) } },
    });
  });

  test("a delayed dial whose agency has no free slot left fails the call and leaves the prospect callable", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld({
      now: Date.parse("2026-11-23T11:30:00Z"), // 06:30 New York: the dial waits until 08:00
      agency: { availability: ["Mon 11:00-12:00"], horizonDays: 1 },
    });
    const callId = await startCall(t, opportunityId);
    const other = await addProspect(t, agencyId, "Lee Park", "+12015550188");
    await t.run((ctx) =>
      ctx.db.insert("meetings", {
        agencyId,
        opportunityId: other,
        meetingTime: Date.parse("2026-11-23T11:00:00-05:00"),
        durationMinutes: 60,
        source: "staff",
        status: "booked",
        sequence: 0,
      }),
    );
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(0);
    expect(await getCall(t, callId)).toMatchObject({ status: "failed", outcome: "failed", failure: { message: expect.stringMatching(/no free slot/) } });
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("New");
  });

  test("inside calling hours the dial is now", async () => {
    const { t, world, opportunityId } = await setupWorld({ prospect: { timeZone: "America/Chicago" } });
    const { call } = await placeCall(t, opportunityId);
    expect(call.dialAt).toBe(NOW);
    expect(world.vapiCreates[0].at).toBe(NOW);
  });
});

describe("what the call offers", () => {
  test("3-4 free slots on different days, mornings and afternoons, in the listing too", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const call = await getCall(t, await startCall(t, opportunityId));
    expect(call.offeredSlotsISO.length).toBeGreaterThanOrEqual(3);
    expect(call.offeredSlotsISO.length).toBeLessThanOrEqual(4);
    const local = call.offeredSlotsISO.map((iso) => DateTime.fromISO(iso, { zone: "America/New_York" }));
    expect(new Set(local.map((d) => d.toISODate())).size).toBe(call.offeredSlotsISO.length);
    expect(local.some((d) => d.hour < 12)).toBe(true);
    expect(local.some((d) => d.hour >= 12)).toBe(true);
    const listed = (await t.query(internal.availability.getAvailableSlots, { agencyId })).slots.map((s) => s.iso);
    for (const iso of call.offeredSlotsISO) expect(listed).toContain(iso);
  });

  test("the prompt names now in the agency's zone (and the prospect's) and lists every offered time", async () => {
    const { t, opportunityId } = await setupWorld({ prospect: { timeZone: "America/Los_Angeles" } });
    const callId = await startCall(t, opportunityId);
    const call = await getCall(t, callId);
    const prompt = await promptOf(t, callId);
    expect(prompt).toContain("Now at Brightline Growth: Saturday, November 21, 2026, 10:00 AM EST (America/New_York)");
    expect(prompt).toContain("Now for Dana Whitfield: Saturday, November 21, 2026, 7:00 AM PST");
    for (const iso of call.offeredSlotsISO) {
      expect(prompt).toContain(`[${iso}]`);
      // Said to the prospect in their own zone.
      const pacific = DateTime.fromISO(iso).setZone("America/Los_Angeles").toFormat("ccc, LLL d, h:mm a");
      expect(prompt).toContain(pacific);
    }
    expect(prompt).toMatch(/repeat the exact agreed day, date and time aloud/);
    expect(prompt).toContain("Mon-Fri 09:00-17:00");
    expect(prompt).not.toContain("+12015550123");
  });

  test("the call keeps the offered slots; its prompt lives in callOffers, with no snapshot of the calendar", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const other = await addProspect(t, agencyId, "Lee Park", "+12015550188");
    const booked = Date.parse("2026-11-23T10:00:00-05:00");
    await t.run((ctx) =>
      ctx.db.insert("meetings", {
        agencyId,
        opportunityId: other,
        meetingTime: booked,
        durationMinutes: 45,
        source: "staff",
        status: "booked",
        sequence: 0,
      }),
    );
    const callId = await startCall(t, opportunityId);
    const call = await getCall(t, callId);
    expect(call).toMatchObject({
      status: "scheduled",
      direction: "outbound",
      attempt: 1,
      dialAt: NOW,
    });
    // Nothing read them: the calendar snapshot is not copied into every call.
    expect(call).not.toHaveProperty("futureMeetings");
    expect(call).not.toHaveProperty("agencyAvailabilityWindows");
    expect(call).not.toHaveProperty("promptContext");
    expect(await promptOf(t, callId)).toContain("Mon-Fri 09:00-17:00");
    const offered = call.offeredSlotsISO.map((iso) => Date.parse(iso));
    for (const s of offered) expect(s < booked - 30 * 60_000 || s >= booked + 45 * 60_000).toBe(true);
    expect(await scheduledFunctions(t)).toEqual([
      expect.objectContaining({ name: expect.stringContaining("startPhoneCall"), args: [{ callId }], scheduledTime: NOW }),
    ]);
    // Due now with a line free: the line was taken in startCall itself.
    expect(await rows(t, "dialQueue")).toEqual([]);
    expect(await rows(t, "dialLines")).toEqual([expect.objectContaining({ holder: callId, subject: { kind: "call", callId } })]);
    expect((await rows(t, "calls"))).toHaveLength(1);
  });
});

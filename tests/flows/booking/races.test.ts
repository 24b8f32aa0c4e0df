/**
 * finalizeBooking is the one door to a meeting: under any interleaving no two
 * meetings of an agency overlap (durations and buffers included), and a call
 * books at most once.
 */
import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { addProspect, type Backend, placeCall, rows, scheduledFunctions, setupWorld } from "../../helpers/world";

const MINUTE = 60_000;
/** Tuesday 2026-11-24, New York (EST, -05:00). */
const at = (hhmm: string) => `2026-11-24T${hhmm}:00-05:00`;

/** An agency with `count` prospects, each with a placed call. */
async function callsFor(count: number, agency: Record<string, unknown> = {}) {
  const w = await setupWorld({ agency });
  const callIds: Id<"calls">[] = [(await placeCall(w.t, w.opportunityId)).callId];
  for (let i = 1; i < count; i++) {
    const opportunityId = await addProspect(w.t, w.agencyId, `Prospect ${i}`, `+1201555${String(200 + i).padStart(4, "0")}`);
    callIds.push((await placeCall(w.t, opportunityId)).callId);
  }
  return { ...w, callIds };
}

function finalize(t: Backend, callId: Id<"calls">, isoTimestamp: string) {
  return t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp });
}

function expectNoOverlaps(meetings: Doc<"meetings">[], bufferMinutes = 0) {
  const sorted = meetings.filter((m) => m.status === "booked").sort((a, b) => a.meetingTime - b.meetingTime);
  for (let i = 1; i < sorted.length; i++) {
    const prevEnd = sorted[i - 1].meetingTime + (sorted[i - 1].durationMinutes + bufferMinutes) * MINUTE;
    expect(sorted[i].meetingTime).toBeGreaterThanOrEqual(prevEnd);
  }
}

describe("concurrent bookings", () => {
  test("two calls booking the same slot at once: exactly one meeting, the other gets a booking_conflict task", { timeout: 60_000 }, async () => {
    const { t, callIds } = await callsFor(2);
    const results = await Promise.all(callIds.map((id) => finalize(t, id, at("14:00"))));
    expect(results.map((r) => r.status).sort()).toEqual(["booked", "not_booked"]);
    const meetings = await rows(t, "meetings");
    expect(meetings).toHaveLength(1);
    const loser = callIds[results.findIndex((r) => r.status === "not_booked")];
    const loserCall = await t.run((ctx) => ctx.db.get("calls", loser));
    expect(loserCall?.outcome).not.toBe("booked");
    expect((await t.run((ctx) => ctx.db.get("opportunities", loserCall!.opportunityId)))?.status).not.toBe("Booked");
    expect(await rows(t, "tasks")).toEqual([
      expect.objectContaining({ callId: loser, type: "booking_conflict", status: "open", reason: expect.stringMatching(/conflict/) }),
    ]);
  });

  test("overlapping slots (14:00 and 14:15, 30 minutes) at once: exactly one meeting", async () => {
    const { t, callIds } = await callsFor(2);
    const results = await Promise.all([finalize(t, callIds[0], at("14:00")), finalize(t, callIds[1], at("14:15"))]);
    expect(results.filter((r) => r.status === "booked")).toHaveLength(1);
    const meetings = await rows(t, "meetings");
    expect(meetings).toHaveLength(1);
    expectNoOverlaps(meetings);
  });

  test("many calls over a crowded afternoon: no two meetings overlap", { timeout: 60_000 }, async () => {
    const times = ["13:30", "13:45", "14:00", "14:15", "14:30", "14:45"];
    const { t, callIds } = await callsFor(times.length);
    const results = await Promise.all(callIds.map((id, i) => finalize(t, id, at(times[i]))));
    const meetings = await rows(t, "meetings");
    expect(meetings.length).toBe(results.filter((r) => r.status === "booked").length);
    expect(meetings.length).toBeGreaterThanOrEqual(2);
    expectNoOverlaps(meetings);
  });

  test("finalizeBooking twice for the same call returns the same meeting (also at once)", async () => {
    const { t, callIds } = await callsFor(1);
    const first = await finalize(t, callIds[0], at("14:00"));
    const again = await finalize(t, callIds[0], at("14:00"));
    const concurrent = await Promise.all([finalize(t, callIds[0], at("15:00")), finalize(t, callIds[0], at("14:00"))]);
    expect(first).toMatchObject({ status: "booked", meetingId: expect.any(String) });
    expect(again).toEqual({ status: "already_booked", meetingId: first.meetingId });
    expect(concurrent).toEqual([
      { status: "already_booked", meetingId: first.meetingId },
      { status: "already_booked", meetingId: first.meetingId },
    ]);
    expect(await rows(t, "meetings")).toHaveLength(1);
    const confirmations = (await scheduledFunctions(t)).filter((f) => f.name.includes("sendBookingConfirmation"));
    expect(confirmations).toHaveLength(1);
  });

  test("concurrent first bookings of one call: one meeting", async () => {
    const { t, callIds } = await callsFor(1);
    const results = await Promise.all([finalize(t, callIds[0], at("14:00")), finalize(t, callIds[0], at("14:00"))]);
    expect(results.map((r) => r.status).sort()).toEqual(["already_booked", "booked"]);
    expect(await rows(t, "meetings")).toHaveLength(1);
  });
});

describe("the booking re-check", () => {
  test("the buffer blocks the neighbouring slots, in listing and in booking alike", { timeout: 60_000 }, async () => {
    const { t, agencyId, callIds } = await callsFor(4, { bufferMinutes: 15 });
    expect(await finalize(t, callIds[0], at("14:00"))).toMatchObject({ status: "booked" });

    const listed = (await t.query(internal.availability.getAvailableSlots, { agencyId })).slots.map((s) => s.iso);
    expect(listed).not.toContain(at("13:30"));
    expect(listed).not.toContain(at("14:30"));
    expect(listed).toContain(at("13:15"));
    expect(listed).toContain(at("14:45"));

    expect(await finalize(t, callIds[1], at("14:30"))).toMatchObject({ status: "not_booked", reason: expect.stringMatching(/conflict/) });
    expect(await finalize(t, callIds[2], at("13:30"))).toMatchObject({ status: "not_booked", reason: expect.stringMatching(/conflict/) });
    expect(await finalize(t, callIds[3], at("14:45"))).toMatchObject({ status: "booked" });
    const meetings = await rows(t, "meetings");
    expect(meetings).toHaveLength(2);
    expectNoOverlaps(meetings, 15);
  });

  test("a cancelled meeting does not block its time", async () => {
    const { t, agencyId, opportunityId, callIds } = await callsFor(1);
    await t.run((ctx) =>
      ctx.db.insert("meetings", {
        agencyId,
        opportunityId,
        meetingTime: Date.parse(at("14:00")),
        durationMinutes: 30,
        source: "staff",
        status: "cancelled",
        sequence: 1,
      }),
    );
    expect(await finalize(t, callIds[0], at("14:00"))).toMatchObject({ status: "booked" });
  });

  test("a slot outside the windows is refused with a booking_conflict task, nothing booked", async () => {
    const { t, opportunityId, callIds } = await callsFor(1);
    expect(await finalize(t, callIds[0], "2026-11-24T18:00:00-05:00")).toMatchObject({
      status: "not_booked",
      reason: expect.stringMatching(/outside availability/),
    });
    expect(await rows(t, "meetings")).toHaveLength(0);
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("New");
    expect(await rows(t, "tasks")).toEqual([expect.objectContaining({ type: "booking_conflict", callId: callIds[0] })]);
  });

  test("a timestamp without an offset is refused naming the field, nothing written", async () => {
    const { t, callIds } = await callsFor(1);
    await expect(finalize(t, callIds[0], "2026-11-24T14:00:00")).rejects.toThrow(/^isoTimestamp is not an ISO time with an offset$/);
    expect(await rows(t, "meetings")).toHaveLength(0);
    expect(await rows(t, "tasks")).toHaveLength(0);
  });
});

/**
 * A booking into a busy block of the agency's calendar is refused wherever it is decided (the live
 * book_meeting tool, the post-call analysis, the booking transaction itself, a staff reschedule), with
 * the reason a meeting there would give ("conflict"), while the slot next to the block still books.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { AGREED, AGREED_ISO, BOOKED_REPLY } from "../../helpers/conversation";
import { isosIn, toolCall } from "../../helpers/vapiPayloads";
import { askTools, calendarBusyBlock, outcomeOf, placeCall, reportEnded, rows, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

/** Tuesday 24 November 2026 (EST, UTC-5) at `hhmm` New York time; AGREED_ISO is tue("14:00"). */
const tue = (hhmm: string) => `2026-11-24T${hhmm}:00-05:00`;

describe("book_meeting", () => {
  test("an offered slot a block now covers is refused on the line, with free alternatives; the slot after the block books", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const { call, callId, vapiCallId } = await placeCall(t, opportunityId);
    expect(call.offeredSlotsISO[1]).toBe(tue("12:00")); // S2
    await calendarBusyBlock(t, agencyId, tue("12:00"), tue("14:15"));

    const refused = (await askTools(t, vapiCallId, callId, [toolCall("call_book_1", "book_meeting", { slotId: "S2" })])).results[0].result;
    expect(refused).toMatch(/^Not booked: Tue, Nov 24, 12:00 PM EST is already taken\. Nearest free times: /);
    // 11:30 ends as the block starts; nothing from 11:45 to 14:00 is offered.
    expect(isosIn(refused)).toEqual([tue("11:00"), tue("11:15"), tue("11:30")]);
    expect(await rows(t, "meetings")).toHaveLength(0);

    const booked = (await askTools(t, vapiCallId, callId, [toolCall("call_book_2", "book_meeting", { slotIso: tue("14:15") })])).results[0].result;
    expect(booked).toMatch(/^Booked: Tue, Nov 24, 2:15 PM EST/);
    const meetings = await rows(t, "meetings");
    expect(meetings).toEqual([expect.objectContaining({ callId, meetingTime: Date.parse(tue("14:15")), status: "booked" })]);
  });
});

describe("the post-call analysis", () => {
  test("the agreed time inside a block synced during the call is not booked: a review task names the conflict", async () => {
    const { t, agencyId, opportunityId, world } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await calendarBusyBlock(t, agencyId, tue("13:30"), tue("14:30"));
    world.groqReplies = [BOOKED_REPLY]; // Dana agreed to Tuesday 14:00
    await reportEnded(t, vapiCallId, callId, AGREED);

    const r = await outcomeOf(t, callId, opportunityId);
    expect(r.meetings).toHaveLength(0);
    expect(r.opportunity.status).not.toBe("Booked");
    expect(r.tasks).toEqual([expect.objectContaining({ callId, type: "review", status: "open", reason: expect.stringMatching(/not a free slot \(conflict\)/) })]);
  });

  test("the agreed time right after a block is booked", async () => {
    const { t, agencyId, opportunityId, world } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await calendarBusyBlock(t, agencyId, tue("13:00"), AGREED_ISO);
    world.groqReplies = [BOOKED_REPLY];
    await reportEnded(t, vapiCallId, callId, AGREED);

    const r = await outcomeOf(t, callId, opportunityId);
    expect(r.meetings).toEqual([expect.objectContaining({ callId, meetingTime: Date.parse(AGREED_ISO), status: "booked" })]);
    expect(r.opportunity.status).toBe("Booked");
    expect(r.tasks).toHaveLength(0);
  });
});

describe("the booking transaction and staff changes", () => {
  test("finalizeBooking into a block writes no meeting and opens a booking_conflict task; the slot after it books", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const { callId } = await placeCall(t, opportunityId);
    await calendarBusyBlock(t, agencyId, tue("13:30"), tue("14:30"));

    const refused = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: AGREED_ISO });
    expect(refused).toEqual({ status: "not_booked", reason: `cannot book ${AGREED_ISO}: conflict` });
    expect(await rows(t, "meetings")).toHaveLength(0);
    expect(await rows(t, "tasks")).toEqual([expect.objectContaining({ callId, type: "booking_conflict", reason: `cannot book ${AGREED_ISO}: conflict` })]);

    const booked = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: tue("14:30") });
    expect(booked.status).toBe("booked");
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ callId, meetingTime: Date.parse(tue("14:30")) })]);
  });

  test("a reschedule into a block is refused; a meeting moved across its own old time next to a block is not blocked by itself", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const { callId } = await placeCall(t, opportunityId);
    const { meetingId } = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: AGREED_ISO });
    // Google's own copy of the meeting is not stored (the sync leaves Atlas's meetings out); the block ends at it.
    await calendarBusyBlock(t, agencyId, tue("13:00"), AGREED_ISO);

    await expect(t.mutation(internal.meetings.reschedule, { meetingId: meetingId!, newIsoTime: tue("13:30") })).rejects.toThrow(/conflict/);
    const moved = await t.mutation(internal.meetings.reschedule, { meetingId: meetingId!, newIsoTime: tue("14:15") });
    expect(moved).toMatchObject({ status: "booked", meetingTime: Date.parse(tue("14:15")), sequence: 1 });
  });
});

describe("a scheduler-link claim", () => {
  test("checks every candidate against the calendar in one read: 500 blocks and 150 blocked candidates stay within the limits", async () => {
    const { t, agencyId, opportunityId } = await setupWorld({ transactionLimits: true });
    const { slots } = await t.query(internal.availability.getAvailableSlots, { agencyId });
    const candidates = slots.map((s) => Date.parse(s.iso));
    expect(candidates.length).toBeGreaterThan(150);
    // Busy all week until Friday 16:00, then 499 one-minute blocks from Friday 18:00 New York.
    await calendarBusyBlock(t, agencyId, "2026-11-23T00:00:00-05:00", "2026-11-27T16:00:00-05:00");
    const evening = Date.parse("2026-11-27T18:00:00-05:00");
    await t.run(async (ctx) => {
      for (let i = 0; i < 499; i++) await ctx.db.insert("calendarBusy", { agencyId, start: evening + i * 120_000, end: evening + i * 120_000 + 60_000, source: "google" });
    });

    const claim = await t.mutation(internal.schedulerLinks.claimBooking, { opportunityId, link: "https://cal.com/dana/intro", candidates });
    expect(claim).toMatchObject({ claimed: true, slotStart: Date.parse("2026-11-27T16:00:00-05:00") });
  });
});

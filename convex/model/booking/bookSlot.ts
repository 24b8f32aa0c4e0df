import type { MutationCtx } from "../../_generated/server";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { rulesFor } from "../agency";
import { evaluateSlot, slotLabel, slotsReadRange, type SchedulingRules, type SlotRefusal, type SlotVerdict } from "../scheduling/availability";
import { loadBusyMeetings } from "../scheduling/schedule";
import { cancelWaitingAttempts } from "../calls/attempts";
import { notify } from "../notifications/notify";
import { recordUsage } from "../usage";
import { logEvent } from "../log";
import { bookingSource, recordMeetingEvent } from "../meetings/events";

export type MeetingSource = Doc<"meetings">["source"];
export type RefusalReason = SlotRefusal | "already_booked";

export type BookingResult =
  | { booked: true; meetingId: Id<"meetings">; meetingTime: number }
  | { booked: false; reason: RefusalReason };

/**
 * The booking rule against the meetings table: `evaluateSlot` over the booked
 * meetings that could overlap, read through the index over that narrow range,
 * and the agency's calendar busy blocks (loadBusyMeetings).
 * Inside a mutation the read range is what makes colliding writers conflict.
 */
export async function checkSlot(
  ctx: MutationCtx,
  agencyId: Id<"agencies">,
  rules: SchedulingRules,
  slotStart: number,
  now: number,
  opts: { excludeMeetingId?: Id<"meetings">; offered?: boolean } = {},
): Promise<SlotVerdict> {
  const busy = await loadBusyMeetings(ctx, agencyId, slotsReadRange(rules, slotStart, slotStart), opts.excludeMeetingId);
  return evaluateSlot(rules, slotStart, now, busy, { offered: opts.offered });
}

/**
 * The only way a meeting is written. Re-checks the slot with the same rule that
 * listed it, reading the meetings index over the narrow range that could overlap:
 * two concurrent bookings that could collide read each other's insert range, so
 * Convex serialises them and the loser sees the winner's meeting.
 */
export async function bookSlot(
  ctx: MutationCtx,
  args: {
    agency: Doc<"agencies">;
    opportunity: Doc<"opportunities">;
    slotStart: number;
    source: MeetingSource;
    callId?: Id<"calls">;
    providerBookingId?: string;
    now: number;
    /** Offered on the call that books it: exempt from the minimum notice (evaluateSlot). */
    offered?: boolean;
  },
): Promise<BookingResult> {
  const { agency, opportunity, slotStart } = args;
  // One meeting per prospect. Rejected or opted-out prospects are not called, but one who
  // calls us and agrees to a time (or staff on their behalf) may still book it.
  if (opportunity.status === "Booked") return { booked: false, reason: "already_booked" };
  const rules = rulesFor(agency);
  const verdict = await checkSlot(ctx, agency._id, rules, slotStart, args.now, { offered: args.offered });
  if (!verdict.ok) return { booked: false, reason: verdict.reason };

  const meetingId = await ctx.db.insert("meetings", {
    agencyId: agency._id,
    opportunityId: opportunity._id,
    callId: args.callId,
    meetingTime: slotStart,
    durationMinutes: rules.meetingDurationMinutes,
    source: args.source,
    status: "booked",
    sequence: 0,
    providerBookingId: args.providerBookingId,
    inHistory: true,
  });
  await recordMeetingEvent(ctx, { _id: meetingId, agencyId: agency._id }, { kind: "booked", to: slotStart, source: bookingSource(args.source) });
  await ctx.db.patch("opportunities", opportunity._id, { status: "Booked", meetingTime: slotStart });
  await cancelWaitingAttempts(ctx, opportunity._id);
  await recordUsage(ctx, agency._id, { bookedMeetings: 1 }, args.now);
  await ctx.scheduler.runAfter(0, internal.followUp.sendBookingConfirmation, { meetingId });
  await notify(ctx, {
    agencyId: agency._id,
    opportunityId: opportunity._id,
    event: "booked",
    callId: args.callId,
    meetingId,
    text: `${opportunity.name} booked ${slotLabel(slotStart, agency.timeZone)} with ${agency.name}`,
  });
  logEvent("meeting.booked", { meetingId, agencyId: agency._id, callId: args.callId, source: args.source });
  return { booked: true, meetingId, meetingTime: slotStart };
}

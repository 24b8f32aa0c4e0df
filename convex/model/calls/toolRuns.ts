/**
 * The live tools run inside Convex: check_availability lists free times (which become
 * the call's offers), book_meeting books through the one booking path. What is said
 * comes from model/calls/tools.ts.
 */
import type { MutationCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { loadSchedule, type AgencySchedule } from "../scheduling/schedule";
import { evaluateSlot, freeSlots, toZonedIso } from "../scheduling/availability";
import { offeredSlotsOf, rememberOffered } from "../scheduling/wallClock";
import { finalizeCallBooking } from "../booking/finalizeCallBooking";
import { openTask } from "../tasks";
import { logEvent } from "../log";
import { ACTIVE_STATUSES } from "./outcomes";
import { prospectZone } from "./offer";
import {
  alreadyBookedReply,
  availabilityReply,
  bookedReply,
  CLOSED_REPLY,
  MAX_ALTERNATIVES,
  MAX_OFFERED_SLOTS,
  nearestSlots,
  pickSlots,
  refusedReply,
  requestedTime,
  SETTLED_REPLY,
  unclearTimeReply,
  UNKNOWN_CALL_ERROR,
  type ToolRequest,
  type Zones,
} from "./tools";

/** What a tool call is answered with, and the meeting it booked if any. */
export interface Answer {
  result?: string;
  error?: string;
  meetingId?: Id<"meetings">;
}

/** Answers one tool call of a known call. */
export async function runTool(ctx: MutationCtx, callId: Id<"calls">, request: ToolRequest): Promise<Answer> {
  if (request.tool === "invalid") return { error: request.error };
  // Read fresh: an earlier tool call in the same message may have booked.
  const call = await ctx.db.get("calls", callId);
  const agency = call && (await ctx.db.get("agencies", call.agencyId));
  const opportunity = call && (await ctx.db.get("opportunities", call.opportunityId));
  if (!call || !agency || !opportunity) return { error: UNKNOWN_CALL_ERROR };
  const zones: Zones = { agencyZone: agency.timeZone, prospectZone: prospectZone(agency, opportunity) };
  const now = Date.now();
  const schedule = await loadSchedule(ctx, agency, now);
  if (request.tool === "check_availability") {
    const free = freeSlots(schedule.rules, now, schedule.busy);
    const filter = { date: request.date, timeOfDay: request.timeOfDay };
    const picked = pickSlots(free, zones.prospectZone, filter, now);
    // Listed slots become this call's offers: bookable by it by id, and past the notice while free.
    const before = offeredSlotsOf(call);
    const offered = rememberOffered(before, picked.slots, MAX_OFFERED_SLOTS);
    if (offered.length !== before.length || !call.offeredSlots) await ctx.db.patch("calls", call._id, { offeredSlots: offered });
    return { result: availabilityReply(picked, filter, zones, agency.horizonDays, offered) };
  }
  return await bookMeeting(ctx, { call, agency, opportunity, schedule, zones, now }, request);
}

interface Booking {
  call: Doc<"calls">;
  agency: Doc<"agencies">;
  opportunity: Doc<"opportunities">;
  schedule: AgencySchedule;
  zones: Zones;
  now: number;
}

/**
 * A call that can no longer book by itself: it ended, or its prospect declined or
 * opted out. A prospect who declined or opted out earlier and calls us in to book
 * is asking for the meeting themselves: only an opt-out during that call counts.
 */
function settled(call: Doc<"calls">, opportunity: Doc<"opportunities">): string | null {
  if (!ACTIVE_STATUSES.includes(call.status)) return `book_meeting arrived after the call ended (${call.status})`;
  const outbound = call.direction === "outbound";
  if (opportunity.status === "Rejected" && outbound) return "book_meeting arrived for a prospect marked Rejected";
  if (opportunity.doNotCall && (outbound || (opportunity.optedOutAt ?? 0) >= call._creationTime)) {
    return "book_meeting arrived for a prospect who opted out";
  }
  return null;
}

async function bookMeeting(
  ctx: MutationCtx,
  { call, agency, opportunity, schedule, zones, now }: Booking,
  request: { slotId?: string; slotIso?: string },
): Promise<Answer> {
  const offered = offeredSlotsOf(call);
  const verdictFor = (start: number) =>
    evaluateSlot(schedule.rules, start, now, schedule.busy, { offered: offered.some((s) => s.start === start) });
  const time = requestedTime(request, offered, zones, (start) => verdictFor(start).ok);
  if (call.meetingId && call.meetingTime !== undefined) {
    // The model asked again (another tool call id): one meeting per call.
    const same = time.ok && call.meetingTime === time.start;
    return { result: same ? bookedReply(call.meetingTime, zones) : alreadyBookedReply(call.meetingTime, zones) };
  }
  const closed = settled(call, opportunity);
  if (closed) {
    await openTask(ctx, {
      agencyId: call.agencyId,
      opportunityId: call.opportunityId,
      callId: call._id,
      type: "review",
      reason: `${closed}; nothing was booked, a person confirms the time`,
      details: { kind: "late_book_meeting", slotId: request.slotId, slotIso: request.slotIso, requestedStart: time.ok ? time.start : undefined },
    });
    logEvent("tools.book_settled", { callId: call._id, callStatus: call.status, opportunityStatus: opportunity.status });
    return { result: SETTLED_REPLY };
  }
  if (!time.ok) {
    logEvent("tools.book_unclear", { callId: call._id, by: request.slotId ? "id" : "iso" });
    return { result: unclearTimeReply(time.reason) };
  }
  const slotStart = time.start;
  // The same rule bookSlot applies, checked first so a taken slot is answered with
  // alternatives on the line instead of a booking_conflict task for staff.
  const verdict = verdictFor(slotStart);
  if (!verdict.ok) {
    const alternatives = nearestSlots(freeSlots(schedule.rules, now, schedule.busy), slotStart, MAX_ALTERNATIVES, zones.prospectZone);
    logEvent("tools.book_refused", { callId: call._id, reason: verdict.reason, alternatives: alternatives.length });
    return { result: refusedReply(slotStart, verdict.reason, alternatives, zones) };
  }
  const booking = await finalizeCallBooking(ctx, call._id, toZonedIso(slotStart, agency.timeZone), "ai_call_live");
  if (booking.status !== "booked") return { result: CLOSED_REPLY };
  return { result: bookedReply(slotStart, zones), meetingId: booking.meetingId };
}

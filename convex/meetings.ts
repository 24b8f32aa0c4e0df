import { ConvexError, v } from "convex/values";
import { internalQuery, type MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { cancelWaitingAttempts, listLimit } from "./calls";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { meetingSource } from "./schema";
import { loadBusyMeetings } from "./availability";
import { rulesFor } from "./model/agency";
import {
  evaluateSlot,
  MAX_MEETING_MINUTES,
  MINUTE,
  parseIsoInstant,
  slotLabel,
  type SchedulingRules,
  type SlotVerdict,
} from "./model/availability";
import { openTask } from "./model/tasks";
import { offeredSlotsOf } from "./model/wallClock";
import { notify } from "./notifications";
import { logEvent } from "./model/log";
import { hearingZone } from "./model/prospectZone";

export type MeetingSource = Doc<"meetings">["source"];
export type RefusalReason = "outside_availability" | "too_soon" | "beyond_horizon" | "conflict" | "already_booked";

export type BookingResult =
  | { booked: true; meetingId: Id<"meetings">; meetingTime: number }
  | { booked: false; reason: RefusalReason };

/**
 * The booking rule against the meetings table: `evaluateSlot` over the booked
 * meetings that could overlap, read through the index over that narrow range.
 * Inside a mutation the read range is what makes colliding writers conflict.
 */
async function checkSlot(
  ctx: MutationCtx,
  agencyId: Id<"agencies">,
  rules: SchedulingRules,
  slotStart: number,
  now: number,
  opts: { excludeMeetingId?: Id<"meetings">; offered?: boolean } = {},
): Promise<SlotVerdict> {
  const busy = await loadBusyMeetings(
    ctx,
    agencyId,
    {
      start: slotStart - (MAX_MEETING_MINUTES + rules.bufferMinutes) * MINUTE,
      end: slotStart + (rules.meetingDurationMinutes + rules.bufferMinutes) * MINUTE,
    },
    opts.excludeMeetingId,
  );
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
  });
  await ctx.db.patch("opportunities", opportunity._id, { status: "Booked", meetingTime: slotStart });
  await cancelWaitingAttempts(ctx, opportunity._id);
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

const finalizeResult = v.object({
  status: v.union(v.literal("booked"), v.literal("already_booked"), v.literal("not_booked")),
  meetingId: v.optional(v.id("meetings")),
  reason: v.optional(v.string()),
});

/** Books the slot a call agreed on. Idempotent per call: a second run returns the first meeting. */
export const finalizeBooking = internalMutation({
  args: { callId: v.id("calls"), isoTimestamp: v.string(), source: v.optional(v.union(v.literal("ai_call"), v.literal("ai_call_live"))) },
  returns: finalizeResult,
  handler: async (ctx, { callId, isoTimestamp, source }) => finalizeCallBooking(ctx, callId, isoTimestamp, source ?? "ai_call"),
});

export async function finalizeCallBooking(
  ctx: MutationCtx,
  callId: Id<"calls">,
  isoTimestamp: string,
  source: "ai_call" | "ai_call_live",
) {
  const call = await ctx.db.get("calls", callId);
  if (!call) throw new ConvexError(`call ${callId} not found`);
  const existing = await ctx.db
    .query("meetings")
    .withIndex("by_call", (q) => q.eq("callId", callId))
    .first();
  if (existing) return { status: "already_booked" as const, meetingId: existing._id };

  const slotStart = parseIsoInstant(isoTimestamp);
  if (slotStart === null) throw new ConvexError("isoTimestamp is not an ISO time with an offset");
  const agency = await ctx.db.get("agencies", call.agencyId);
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (!agency || !opportunity) throw new ConvexError(`call ${callId} has lost its agency or opportunity`);

  const offered = offeredSlotsOf(call).some((s) => s.start === slotStart);
  const result = await bookSlot(ctx, { agency, opportunity, slotStart, source, callId, now: Date.now(), offered });
  if (!result.booked) {
    const reason = `cannot book ${isoTimestamp}: ${result.reason.replace(/_/g, " ")}`;
    await openTask(ctx, {
      agencyId: agency._id,
      opportunityId: opportunity._id,
      callId,
      type: "booking_conflict",
      reason,
      details: { slotIso: isoTimestamp },
    });
    await notify(ctx, {
      agencyId: agency._id,
      opportunityId: opportunity._id,
      event: "booking_conflict",
      callId,
      text: `${opportunity.name} agreed to a time Atlas could not book (${result.reason.replace(/_/g, " ")}): a task is open`,
    });
    logEvent("meeting.refused", { callId, reason: result.reason });
    return { status: "not_booked" as const, reason };
  }
  await ctx.db.patch("calls", callId, {
    outcome: "booked",
    meetingId: result.meetingId,
    meetingTime: result.meetingTime,
    updatedAt: Date.now(),
  });
  return { status: "booked" as const, meetingId: result.meetingId };
}

const meetingChange = v.object({
  meetingId: v.id("meetings"),
  status: v.union(v.literal("booked"), v.literal("cancelled")),
  meetingTime: v.number(),
  sequence: v.number(),
});

async function loadMeeting(ctx: MutationCtx, meetingId: Id<"meetings">) {
  const meeting = await ctx.db.get("meetings", meetingId);
  if (!meeting) throw new ConvexError(`meeting ${meetingId} not found`);
  return meeting;
}

/**
 * Staff move a booked meeting. The new time passes the same rule as a booking
 * (the meeting itself aside); a refused time throws naming why and writes nothing.
 * Both people get an updated invite: same UID, next SEQUENCE.
 */
export const reschedule = internalMutation({
  args: { meetingId: v.id("meetings"), newIsoTime: v.string() },
  returns: meetingChange,
  handler: async (ctx, { meetingId, newIsoTime }) => {
    const meeting = await loadMeeting(ctx, meetingId);
    if (meeting.status !== "booked") {
      throw new ConvexError(`meeting ${meetingId} is ${meeting.status}; only booked meetings can be rescheduled`);
    }
    const slotStart = parseIsoInstant(newIsoTime);
    if (slotStart === null) throw new ConvexError("newIsoTime is not an ISO time with an offset");
    if (slotStart === meeting.meetingTime) {
      return { meetingId, status: meeting.status, meetingTime: meeting.meetingTime, sequence: meeting.sequence };
    }
    const agency = await ctx.db.get("agencies", meeting.agencyId);
    if (!agency) throw new ConvexError(`meeting ${meetingId} has lost its agency`);
    // The meeting keeps its own length even if the agency's default changed since.
    const rules = { ...rulesFor(agency), meetingDurationMinutes: meeting.durationMinutes };
    const now = Date.now();
    const verdict = await checkSlot(ctx, agency._id, rules, slotStart, now, { excludeMeetingId: meetingId });
    if (!verdict.ok) {
      logEvent("meeting.reschedule_refused", { meetingId, reason: verdict.reason });
      throw new ConvexError(`newIsoTime cannot be booked for meeting ${meetingId}: ${verdict.reason.replace(/_/g, " ")}`);
    }
    const sequence = meeting.sequence + 1;
    await ctx.db.patch("meetings", meetingId, { meetingTime: slotStart, sequence, revisedAt: now });
    // The call that booked it answers later tool calls and analyses from its meetingTime.
    if (meeting.callId) await ctx.db.patch("calls", meeting.callId, { meetingTime: slotStart });
    const opportunity = await ctx.db.get("opportunities", meeting.opportunityId);
    if (opportunity?.status === "Booked") {
      await ctx.db.patch("opportunities", opportunity._id, { meetingTime: slotStart });
    }
    await ctx.scheduler.runAfter(0, internal.followUp.sendBookingConfirmation, { meetingId });
    logEvent("meeting.rescheduled", { meetingId, agencyId: agency._id, sequence });
    return { meetingId, status: "booked" as const, meetingTime: slotStart, sequence };
  },
});

/**
 * Staff cancel a booked meeting: its time is free again at once (only booked
 * meetings block), the prospect can be called again, and both people get a
 * METHOD:CANCEL for the same UID. Cancelling twice changes nothing the second time.
 */
export const cancel = internalMutation({
  args: { meetingId: v.id("meetings"), reason: v.optional(v.string()) },
  returns: meetingChange,
  handler: async (ctx, { meetingId, reason }) => {
    const meeting = await loadMeeting(ctx, meetingId);
    if (meeting.status === "cancelled") {
      return { meetingId, status: meeting.status, meetingTime: meeting.meetingTime, sequence: meeting.sequence };
    }
    if (meeting.status !== "booked") {
      throw new ConvexError(`meeting ${meetingId} is ${meeting.status}; only booked meetings can be cancelled`);
    }
    const now = Date.now();
    const sequence = meeting.sequence + 1;
    await ctx.db.patch("meetings", meetingId, {
      status: "cancelled",
      cancelledAt: now,
      cancellationReason: reason?.trim() || undefined,
      sequence,
      revisedAt: now,
    });
    const opportunity = await ctx.db.get("opportunities", meeting.opportunityId);
    if (opportunity?.status === "Booked") {
      await ctx.db.patch("opportunities", opportunity._id, { status: "Contacted", meetingTime: undefined });
    }
    await ctx.scheduler.runAfter(0, internal.followUp.sendBookingConfirmation, { meetingId });
    logEvent("meeting.cancelled", { meetingId, agencyId: meeting.agencyId, sequence });
    return { meetingId, status: "cancelled" as const, meetingTime: meeting.meetingTime, sequence };
  },
});

/**
 * An agency's booked meetings that have not ended by `from`, soonest first.
 * Pass `from` (e.g. rounded to the minute) so the query stays cacheable;
 * without it, now.
 */
export const upcoming = internalQuery({
  args: { agencyId: v.id("agencies"), from: v.optional(v.number()), limit: v.optional(v.number()) },
  returns: v.array(
    v.object({
      meetingId: v.id("meetings"),
      opportunityId: v.id("opportunities"),
      opportunityName: v.string(),
      callId: v.optional(v.id("calls")),
      meetingTime: v.number(),
      durationMinutes: v.number(),
      source: meetingSource,
      /** In the agency's zone, plus the prospect's when it differs. */
      label: v.string(),
    }),
  ),
  handler: async (ctx, { agencyId, from, limit }) => {
    const agency = await ctx.db.get("agencies", agencyId);
    if (!agency) throw new ConvexError(`agency ${agencyId} not found`);
    const start = from ?? Date.now();
    const n = listLimit(limit, 50, 200);
    // Started within the longest meeting before `start`: maybe still running. Few, since meetings never overlap.
    const running = await ctx.db
      .query("meetings")
      .withIndex("by_agency_status_and_time", (q) =>
        q.eq("agencyId", agencyId).eq("status", "booked").gt("meetingTime", start - MAX_MEETING_MINUTES * MINUTE).lt("meetingTime", start),
      )
      .collect();
    const later = await ctx.db
      .query("meetings")
      .withIndex("by_agency_status_and_time", (q) => q.eq("agencyId", agencyId).eq("status", "booked").gte("meetingTime", start))
      .take(n);
    const meetings = [...running.filter((m) => m.meetingTime + m.durationMinutes * MINUTE > start), ...later].slice(0, n);
    const rows = [];
    for (const m of meetings) {
      const opportunity = await ctx.db.get("opportunities", m.opportunityId);
      rows.push({
        meetingId: m._id,
        opportunityId: m.opportunityId,
        opportunityName: opportunity?.name ?? "",
        callId: m.callId,
        meetingTime: m.meetingTime,
        durationMinutes: m.durationMinutes,
        source: m.source,
        label: slotLabel(m.meetingTime, agency.timeZone, opportunity ? hearingZone(opportunity, agency.timeZone) : undefined),
      });
    }
    return rows;
  },
});

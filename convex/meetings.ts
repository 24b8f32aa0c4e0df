import { ConvexError, v } from "convex/values";
import { internalMutation, internalQuery, type MutationCtx } from "./_generated/server";
import { listLimit } from "./calls";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { meetingSource } from "./schema";
import { loadBusyMeetings } from "./availability";
import { rulesFor } from "./model/agency";
import { evaluateSlot, MAX_MEETING_MINUTES, MINUTE, parseIsoInstant, slotLabel } from "./model/availability";
import { openTask } from "./model/tasks";
import { logEvent } from "./model/log";

export type MeetingSource = Doc<"meetings">["source"];
export type RefusalReason = "outside_availability" | "too_soon" | "beyond_horizon" | "conflict" | "opportunity_closed";

export type BookingResult =
  | { booked: true; meetingId: Id<"meetings">; meetingTime: number }
  | { booked: false; reason: RefusalReason };

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
  },
): Promise<BookingResult> {
  const { agency, opportunity, slotStart } = args;
  if (opportunity.status === "Booked" || opportunity.status === "Rejected" || opportunity.doNotCall) {
    return { booked: false, reason: "opportunity_closed" };
  }
  const rules = rulesFor(agency);
  const busy = await loadBusyMeetings(ctx, agency._id, {
    start: slotStart - (MAX_MEETING_MINUTES + rules.bufferMinutes) * MINUTE,
    end: slotStart + (rules.meetingDurationMinutes + rules.bufferMinutes) * MINUTE,
  });
  const verdict = evaluateSlot(rules, slotStart, args.now, busy);
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
  await ctx.scheduler.runAfter(0, internal.followUp.sendBookingConfirmation, { meetingId });
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
  if (slotStart === null) throw new ConvexError(`isoTimestamp "${isoTimestamp}" is not an ISO time with an offset`);
  const agency = await ctx.db.get("agencies", call.agencyId);
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (!agency || !opportunity) throw new ConvexError(`call ${callId} has lost its agency or opportunity`);

  const result = await bookSlot(ctx, { agency, opportunity, slotStart, source, callId, now: Date.now() });
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
        label: slotLabel(m.meetingTime, agency.timeZone, opportunity?.timeZone),
      });
    }
    return rows;
  },
});

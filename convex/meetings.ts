import { ConvexError, v } from "convex/values";
import { internalQuery, type MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import type { Id } from "./_generated/dataModel";
import { meetingSource } from "./schema";
import { rulesFor } from "./model/agency";
import { MAX_MEETING_MINUTES, MINUTE, parseIsoInstant, slotLabel } from "./model/scheduling/availability";
import { logEvent } from "./model/log";
import { hearingZone } from "./model/scheduling/prospectZone";
import { checkSlot } from "./model/booking/bookSlot";
import { finalizeCallBooking, finalizeResult } from "./model/booking/finalizeCallBooking";
import { listLimit } from "./model/paging";
import { applyMeetingChange, heldAtProvider, meetingEnd } from "./model/meetings/lifecycle";
import { PROVIDER_NAMES } from "./model/providers/schedulerLink";
import { mismatchReport as readMismatchReport } from "./model/meetings/mismatches";
import { mismatchRow } from "./model/meetings/validators";

/** Books the slot a call agreed on. Idempotent per call: a second run returns the first meeting. */
export const finalizeBooking = internalMutation({
  args: { callId: v.id("calls"), isoTimestamp: v.string(), source: v.optional(v.union(v.literal("ai_call"), v.literal("ai_call_live"))) },
  returns: finalizeResult,
  handler: async (ctx, { callId, isoTimestamp, source }) => finalizeCallBooking(ctx, callId, isoTimestamp, source ?? "ai_call"),
});

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
 * Both people get an updated invite: same UID, next SEQUENCE. A meeting whose
 * booking lives at Cal.com or Calendly is moved there, not here (refused).
 */
export const reschedule = internalMutation({
  args: { meetingId: v.id("meetings"), newIsoTime: v.string() },
  returns: meetingChange,
  handler: async (ctx, { meetingId, newIsoTime }) => {
    const meeting = await loadMeeting(ctx, meetingId);
    if (meeting.status !== "booked") {
      throw new ConvexError(`meeting ${meetingId} is ${meeting.status}; only booked meetings can be rescheduled`);
    }
    const holder = heldAtProvider(meeting);
    if (holder) {
      // Moved only here, the booking there keeps the old time and reconciliation would move the meeting back.
      const name = PROVIDER_NAMES[holder];
      throw new ConvexError(`meeting ${meetingId} cannot be rescheduled in Atlas: the booking lives at ${name}: move it there; reconciliation brings the new time`);
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
    await applyMeetingChange(ctx, meeting, { kind: "rescheduled", to: slotStart }, "staff");
    const sequence = meeting.sequence + 1;
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
    await applyMeetingChange(ctx, meeting, { kind: "cancelled", reason }, "staff");
    const sequence = meeting.sequence + 1;
    return { meetingId, status: "cancelled" as const, meetingTime: meeting.meetingTime, sequence };
  },
});

/**
 * Staff say how a meeting went. Only a meeting that has ended can have an
 * outcome, and a cancelled one has none; a correction (completed <-> no_show)
 * is allowed, a repeat changes nothing.
 */
export const markOutcome = internalMutation({
  args: { meetingId: v.id("meetings"), outcome: v.union(v.literal("completed"), v.literal("no_show")) },
  returns: v.object({ meetingId: v.id("meetings"), status: v.union(v.literal("completed"), v.literal("no_show")), changed: v.boolean() }),
  handler: async (ctx, { meetingId, outcome }) => {
    const meeting = await loadMeeting(ctx, meetingId);
    if (meeting.status === "cancelled") {
      throw new ConvexError(`meeting ${meetingId} is cancelled; a cancelled meeting has no outcome`);
    }
    if (meetingEnd(meeting) > Date.now()) {
      throw new ConvexError(`meeting ${meetingId} has not ended yet; its outcome can be marked once it is over`);
    }
    const changed = await applyMeetingChange(ctx, meeting, { kind: outcome }, "staff");
    return { meetingId, status: outcome, changed };
  },
});

/**
 * What reconciliation found that disagreed with the providers in the last
 * `sinceDays` (default 30), newest first: resolved once reconciliation applied
 * the provider's state. Reads stored results only; never calls a provider.
 */
export const mismatchReport = internalQuery({
  args: { agencyId: v.id("agencies"), sinceDays: v.optional(v.number()) },
  returns: v.array(mismatchRow),
  handler: async (ctx, { agencyId, sinceDays }) => {
    const days = sinceDays ?? 30;
    if (!(days > 0) || days > 3660) throw new ConvexError("sinceDays must be a number of days between 0 and 3660");
    return await readMismatchReport(ctx, agencyId, days, Date.now());
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

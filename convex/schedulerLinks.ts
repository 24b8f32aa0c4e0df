/**
 * Booking process 5: the prospect's own scheduler link. The link is stored on the
 * opportunity; a public Cal.com event is read, intersected with the agency's free
 * slots and, when the prospect asked us to, booked there once and recorded with
 * bookSlot. Every other case leaves a "scheduler_link" task for a person.
 */
import { ConvexError, v, type Infer } from "convex/values";
import { internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import { loadBusyMeetings, loadSchedule } from "./model/scheduling/schedule";
import { bookSlot } from "./model/booking/bookSlot";
import { rulesFor } from "./model/agency";
import {
  earliestStart,
  evaluateSlot,
  horizonEnd,
  slotsReadRange,
  toZonedIso,
} from "./model/scheduling/availability";
import { CalcomError, createCalcomBooking, fetchCalcomSlots, intersectWithAvailability } from "./model/providers/calcom";
import { classifySchedulerLink, PROVIDER_NAMES, providerFailure, schedulerProvider, SchedulerLinkError, type ProviderFailure, type SchedulerLink } from "./model/providers/schedulerLink";
import { isClosed, linkMeeting, loadClaim, loadPair, openLinkTask } from "./model/booking/schedulerLinkTasks";
import { openTask } from "./model/tasks";
import { logEvent } from "./model/log";

/** Stores the link on the opportunity and says whether booking on it is still wanted. */
export const captureLink = internalMutation({
  args: { opportunityId: v.id("opportunities"), callId: v.optional(v.id("calls")), link: v.string() },
  returns: v.object({
    existingMeetingId: v.optional(v.id("meetings")),
    open: v.boolean(),
    agency: v.object({ name: v.string(), email: v.optional(v.string()), timeZone: v.string() }),
    horizon: v.object({ start: v.number(), end: v.number() }),
  }),
  handler: async (ctx, { opportunityId, callId, link }) => {
    const { opportunity, agency } = await loadPair(ctx, opportunityId);
    if (callId) {
      const call = await ctx.db.get("calls", callId);
      if (!call || call.opportunityId !== opportunityId) {
        throw new ConvexError(`call ${callId} does not belong to opportunity ${opportunityId}`);
      }
    }
    await ctx.db.patch("opportunities", opportunityId, { schedulerLink: link });
    const existing = await linkMeeting(ctx, opportunityId);
    const rules = rulesFor(agency);
    const now = Date.now();
    return {
      existingMeetingId: existing?._id,
      open: !isClosed(opportunity),
      agency: { name: agency.name, email: agency.email, timeZone: agency.timeZone },
      horizon: { start: earliestStart(rules, now), end: horizonEnd(rules, now) },
    };
  },
});

/** The provider's starts the agency can also take now (same rule that lists and books). */
export const overlapWithAgency = internalQuery({
  args: { opportunityId: v.id("opportunities"), providerStarts: v.array(v.number()) },
  returns: v.array(v.number()),
  handler: async (ctx, { opportunityId, providerStarts }) => {
    const opportunity = await ctx.db.get("opportunities", opportunityId);
    const agency = opportunity && (await ctx.db.get("agencies", opportunity.agencyId));
    if (!agency) throw new ConvexError(`opportunity ${opportunityId} or its agency not found`);
    const { rules, now, busy } = await loadSchedule(ctx, agency, Date.now());
    return intersectWithAvailability(providerStarts, rules, now, busy);
  },
});

export const openSchedulerLinkTask = internalMutation({
  args: {
    opportunityId: v.id("opportunities"),
    callId: v.optional(v.id("calls")),
    link: v.string(),
    provider: schedulerProvider,
    reason: v.string(),
    overlap: v.union(v.array(v.number()), v.null()),
    failure: v.optional(providerFailure),
  },
  returns: v.id("tasks"),
  handler: (ctx, args) => openLinkTask(ctx, args),
});

const claimResult = v.union(
  v.object({ claimed: v.literal(true), claimId: v.id("schedulerBookings"), slotStart: v.number() }),
  v.object({
    claimed: v.literal(false),
    reason: v.union(
      v.literal("already_booked"),
      v.literal("opportunity_closed"),
      v.literal("already_claimed"),
      v.literal("slots_taken"),
    ),
    meetingId: v.optional(v.id("meetings")),
    earlierStatus: v.optional(v.string()),
  }),
);

/**
 * Claims the first candidate still free, before anything is posted. One claim per
 * (opportunity, link), whatever became of it: a claim whose POST failed or whose
 * outcome is unknown may have booked at the provider, so it is never re-posted.
 */
export const claimBooking = internalMutation({
  args: {
    opportunityId: v.id("opportunities"),
    callId: v.optional(v.id("calls")),
    link: v.string(),
    candidates: v.array(v.number()),
  },
  returns: claimResult,
  handler: async (ctx, { opportunityId, callId, link, candidates }) => {
    const { opportunity, agency } = await loadPair(ctx, opportunityId);
    const meeting = await linkMeeting(ctx, opportunityId);
    if (meeting) return { claimed: false as const, reason: "already_booked" as const, meetingId: meeting._id };
    if (isClosed(opportunity)) return { claimed: false as const, reason: "opportunity_closed" as const };
    const earlier = await ctx.db
      .query("schedulerBookings")
      .withIndex("by_opportunity_and_link", (q) => q.eq("opportunityId", opportunityId).eq("link", link))
      .first();
    if (earlier) return { claimed: false as const, reason: "already_claimed" as const, earlierStatus: earlier.status };

    // Re-check here so we do not book on the prospect's calendar a slot bookSlot would refuse.
    const rules = rulesFor(agency);
    const now = Date.now();
    // One read for every candidate: the calendar's blocks are read from the range's start to the
    // horizon's end, which once per candidate would multiply hundreds of blocks by hundreds of times.
    const range = slotsReadRange(rules, Math.min(...candidates), Math.max(...candidates));
    const busy = candidates.length === 0 ? [] : await loadBusyMeetings(ctx, agency._id, range);
    for (const slotStart of candidates) {
      if (!evaluateSlot(rules, slotStart, now, busy).ok) continue;
      const claimId = await ctx.db.insert("schedulerBookings", {
        agencyId: agency._id,
        opportunityId,
        callId,
        link,
        slotStart,
        status: "pending",
      });
      logEvent("scheduler_link.claimed", { claimId, opportunityId, callId });
      return { claimed: true as const, claimId, slotStart };
    }
    return { claimed: false as const, reason: "slots_taken" as const };
  },
});

/** The provider booked: record the meeting, or a booking_conflict task if bookSlot now refuses. */
export const recordProviderBooking = internalMutation({
  args: { claimId: v.id("schedulerBookings"), providerBookingId: v.string(), providerStatus: v.string() },
  returns: v.object({
    outcome: v.union(v.literal("booked"), v.literal("conflict")),
    meetingId: v.optional(v.id("meetings")),
    taskId: v.optional(v.id("tasks")),
  }),
  handler: async (ctx, { claimId, providerBookingId, providerStatus }) => {
    const claim = await loadClaim(ctx, claimId);
    if (claim.status === "booked") return { outcome: "booked" as const, meetingId: claim.meetingId };
    const { opportunity, agency } = await loadPair(ctx, claim.opportunityId);
    const result = await bookSlot(ctx, {
      agency,
      opportunity,
      slotStart: claim.slotStart,
      source: "prospect_link",
      callId: claim.callId,
      providerBookingId,
      now: Date.now(),
    });
    if (!result.booked) {
      const slotIso = toZonedIso(claim.slotStart, agency.timeZone);
      await ctx.db.patch("schedulerBookings", claimId, { status: "conflict", providerBookingId, providerStatus });
      const taskId = await openTask(ctx, {
        agencyId: agency._id,
        opportunityId: opportunity._id,
        callId: claim.callId,
        type: "booking_conflict",
        reason: `booked ${slotIso} on the prospect's Cal.com but cannot record it: ${result.reason.replace(/_/g, " ")}; cancel or move it there`,
        details: { link: claim.link, providerBookingId, providerStatus, slotIso },
      });
      logEvent("scheduler_link.conflict", { claimId, reason: result.reason, taskId });
      return { outcome: "conflict" as const, taskId };
    }
    await ctx.db.patch("meetings", result.meetingId, { providerStatus, bookingProvider: "calcom" });
    await ctx.db.patch("schedulerBookings", claimId, {
      status: "booked",
      providerBookingId,
      providerStatus,
      meetingId: result.meetingId,
    });
    if (claim.callId) {
      await ctx.db.patch("calls", claim.callId, {
        outcome: "booked",
        meetingId: result.meetingId,
        meetingTime: result.meetingTime,
        updatedAt: Date.now(),
      });
    }
    logEvent("scheduler_link.booked", { claimId, meetingId: result.meetingId, providerStatus });
    return { outcome: "booked" as const, meetingId: result.meetingId };
  },
});

/** The POST failed (or its reply was unreadable): keep the claim, hand the booking to a person. */
export const recordProviderFailure = internalMutation({
  args: { claimId: v.id("schedulerBookings"), failure: providerFailure, overlap: v.array(v.number()) },
  returns: v.id("tasks"),
  handler: async (ctx, { claimId, failure, overlap }) => {
    const claim = await loadClaim(ctx, claimId);
    await ctx.db.patch("schedulerBookings", claimId, { status: "failed", failure });
    logEvent("scheduler_link.failed", { claimId, statusCode: failure.statusCode });
    return openLinkTask(ctx, {
      opportunityId: claim.opportunityId,
      callId: claim.callId,
      link: claim.link,
      provider: "calcom",
      reason: `${failure.message}; check the prospect's Cal.com before booking by hand`,
      overlap,
      failure,
    });
  },
});

const handleResult = v.object({
  provider: schedulerProvider,
  outcome: v.union(
    v.literal("booked"),
    v.literal("already_booked"),
    v.literal("conflict"),
    v.literal("task"),
    v.literal("skipped"),
  ),
  meetingId: v.optional(v.id("meetings")),
  taskId: v.optional(v.id("tasks")),
  providerBookingId: v.optional(v.string()),
});

const CLAIM_REFUSALS: Record<string, string> = {
  already_claimed: "an earlier booking attempt on this link did not complete; check the prospect's Cal.com before booking by hand",
  slots_taken: "the overlapping times were taken meanwhile; book by hand",
  opportunity_closed: "the opportunity closed meanwhile",
};

/**
 * A link the prospect gave (from the call analysis). Safe to run again: the link is
 * stored each time, but a booking is posted at most once per opportunity and link.
 */
export const handleProspectLink = internalAction({
  args: {
    opportunityId: v.id("opportunities"),
    callId: v.optional(v.id("calls")),
    link: v.string(),
    book: v.boolean(),
  },
  returns: handleResult,
  // Annotated: this module's functions call each other through `internal`, which TypeScript cannot infer in a cycle.
  handler: async (ctx, { opportunityId, callId, link: rawLink, book }): Promise<Infer<typeof handleResult>> => {
    let link: SchedulerLink;
    try {
      link = classifySchedulerLink(rawLink);
    } catch (e) {
      if (e instanceof SchedulerLinkError) throw new ConvexError(e.message);
      throw e;
    }
    const { provider } = link;
    const state = await ctx.runMutation(internal.schedulerLinks.captureLink, { opportunityId, callId, link: link.url });
    logEvent("scheduler_link.captured", { opportunityId, callId, provider, book });
    if (state.existingMeetingId) return { provider, outcome: "already_booked" as const, meetingId: state.existingMeetingId };
    if (!state.open) return { provider, outcome: "skipped" as const };

    const task = async (reason: string, overlap: number[] | null, failure?: ProviderFailure) => {
      const taskId = await ctx.runMutation(internal.schedulerLinks.openSchedulerLinkTask, {
        opportunityId,
        callId,
        link: link.url,
        provider,
        reason,
        overlap,
        failure,
      });
      return { provider, outcome: "task" as const, taskId };
    };

    if (link.provider !== "calcom") {
      return task(`${PROVIDER_NAMES[provider]} link: its free times cannot be read without the owner's account; book by hand`, null);
    }
    const event = link.event;
    if (!event) return task("Cal.com link names no single event type; book by hand", null);

    let providerStarts: number[];
    try {
      providerStarts = await fetchCalcomSlots(event, state.horizon, state.agency.timeZone);
    } catch (e) {
      if (!(e instanceof CalcomError)) throw e;
      logEvent("scheduler_link.slots_failed", { opportunityId, statusCode: e.statusCode });
      return task(e.message, null, { statusCode: e.statusCode, message: e.message });
    }
    const overlap = await ctx.runQuery(internal.schedulerLinks.overlapWithAgency, { opportunityId, providerStarts });
    logEvent("scheduler_link.slots", { opportunityId, providerSlots: providerStarts.length, overlap: overlap.length });
    if (overlap.length === 0) return task("no free time on the prospect's Cal.com fits the agency's availability", overlap);
    if (!book) return task(`${overlap.length} times are free on both calendars; the prospect did not ask us to book`, overlap);
    if (!state.agency.email) return task("the agency has no email to book on the prospect's Cal.com with; book by hand", overlap);

    const claim = await ctx.runMutation(internal.schedulerLinks.claimBooking, {
      opportunityId,
      callId,
      link: link.url,
      candidates: overlap,
    });
    if (!claim.claimed) {
      if (claim.reason === "already_booked") return { provider, outcome: "already_booked" as const, meetingId: claim.meetingId };
      if (claim.reason === "opportunity_closed") return { provider, outcome: "skipped" as const };
      return task(CLAIM_REFUSALS[claim.reason], overlap);
    }

    let booking;
    try {
      // The agency books a meeting on the prospect's calendar, so it is the attendee.
      booking = await createCalcomBooking(event, claim.slotStart, {
        name: state.agency.name,
        email: state.agency.email,
        timeZone: state.agency.timeZone,
      });
    } catch (e) {
      if (!(e instanceof CalcomError)) throw e;
      const taskId = await ctx.runMutation(internal.schedulerLinks.recordProviderFailure, {
        claimId: claim.claimId,
        failure: { statusCode: e.statusCode, message: e.message },
        overlap: overlap.filter((s) => s !== claim.slotStart),
      });
      return { provider, outcome: "task" as const, taskId };
    }
    const recorded = await ctx.runMutation(internal.schedulerLinks.recordProviderBooking, {
      claimId: claim.claimId,
      providerBookingId: booking.bookingId,
      providerStatus: booking.status,
    });
    return { provider, ...recorded, providerBookingId: booking.bookingId };
  },
});

/**
 * The meeting lifecycle: booked -> cancelled | completed | no_show (and booked
 * meetings rescheduled). `applyMeetingChange` is the one place a change is
 * applied, whoever reports it (staff, a provider found by reconciliation, the
 * agency's Google Calendar event, the 24-hour rule): it writes the meeting, one meetingEvents
 * row, the opportunity, the invite update, the task and the funnel's outcome
 * counters, all in the caller's transaction, and only when the meeting is not
 * already in that state, so a change reported a hundred times applies once.
 */
import type { MutationCtx } from "../../_generated/server";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { MAX_MEETING_MINUTES, MINUTE } from "../scheduling/availability";
import { openTask } from "../tasks";
import { logEvent } from "../log";
import { recordMeetingEvent } from "./events";
import { syncOutcome, type OutcomeBatch } from "./outcomeCounters";
import type { BookingProvider, ChangeSource } from "./validators";

export type MeetingChange =
  | { kind: "cancelled"; reason?: string }
  | { kind: "rescheduled"; to: number; providerBookingId?: string }
  | { kind: "completed" }
  | { kind: "no_show" };

/** Hours after its end a meeting with no no-show signal is taken as held (an assumption: README). */
export const AUTO_COMPLETE_AFTER_MS = 24 * 60 * MINUTE;

export function meetingEnd(meeting: Pick<Doc<"meetings">, "meetingTime" | "durationMinutes">): number {
  return meeting.meetingTime + meeting.durationMinutes * MINUTE;
}

/**
 * The booking system that holds the meeting's booking (the prospect's Cal.com
 * link, or the agency's own Cal.com or Calendly), or null when Atlas holds it
 * (Atlas writes its own changes to a Google event). A change made only in Atlas
 * to a meeting held elsewhere would be undone by the next reconciliation.
 */
export function heldAtProvider(meeting: Pick<Doc<"meetings">, "source" | "providerBookingId" | "bookingProvider">): "calcom" | "calendly" | null {
  if (!meeting.providerBookingId) return null;
  if (meeting.source === "prospect_link") return "calcom";
  return meeting.bookingProvider === "calcom" || meeting.bookingProvider === "calendly" ? meeting.bookingProvider : null;
}

/** Whether the change would alter the meeting as it is now (a repeat of an applied change does not). */
export function changes(meeting: Doc<"meetings">, change: MeetingChange, source: ChangeSource): boolean {
  switch (change.kind) {
    case "cancelled":
      return meeting.status === "booked";
    case "rescheduled":
      return meeting.status === "booked" && meeting.meetingTime !== change.to;
    case "completed":
    case "no_show":
      if (meeting.status === "booked") return true;
      // Staff correct an outcome; a provider's no-show overrides the 24-hour assumption, never the reverse.
      if (meeting.status === change.kind || meeting.status === "cancelled") return false;
      return source === "staff" || (source === "provider" && change.kind === "no_show");
  }
}

/**
 * Applies the change if it changes anything; returns whether it did. Invites go
 * only to meetings Atlas invited people to (an agency_link booking's emails are
 * its provider's). A provider-side cancellation or reschedule opens one
 * meeting_changed task; a cancelled or no-show meeting reopens the opportunity.
 */
export async function applyMeetingChange(
  ctx: MutationCtx,
  meeting: Doc<"meetings">,
  change: MeetingChange,
  source: ChangeSource,
  /** The funnel's counters, when the caller writes them for many meetings at once (the backfill). */
  counters?: OutcomeBatch,
): Promise<boolean> {
  if (!changes(meeting, change, source)) return false;
  const now = Date.now();
  const sendsInvites = meeting.source !== "agency_link";
  const opportunity = await ctx.db.get("opportunities", meeting.opportunityId);
  if (change.kind === "cancelled") {
    const sequence = meeting.sequence + 1;
    await ctx.db.patch("meetings", meeting._id, {
      status: "cancelled",
      cancelledAt: now,
      cancellationReason: change.reason?.trim() || undefined,
      sequence,
      revisedAt: now,
    });
    await recordMeetingEvent(ctx, meeting, { kind: "cancelled", from: meeting.status, to: "cancelled", source });
    await reopen(ctx, opportunity);
  } else if (change.kind === "rescheduled") {
    const sequence = meeting.sequence + 1;
    await ctx.db.patch("meetings", meeting._id, {
      meetingTime: change.to,
      sequence,
      revisedAt: now,
      ...(change.providerBookingId ? { providerBookingId: change.providerBookingId } : {}),
    });
    // The call that booked it answers later tool calls and analyses from its meetingTime.
    if (meeting.callId) await ctx.db.patch("calls", meeting.callId, { meetingTime: change.to });
    if (opportunity?.status === "Booked") await ctx.db.patch("opportunities", opportunity._id, { meetingTime: change.to });
    await recordMeetingEvent(ctx, meeting, { kind: "rescheduled", from: meeting.meetingTime, to: change.to, source });
    if (source !== "staff") await flagOverlap(ctx, meeting, change.to);
  } else {
    await ctx.db.patch("meetings", meeting._id, { status: change.kind });
    await recordMeetingEvent(ctx, meeting, { kind: change.kind, from: meeting.status, to: change.kind, source });
    if (change.kind === "no_show") await reopen(ctx, opportunity);
    else if (opportunity && opportunity.status !== "Booked" && meeting.status === "no_show") {
      // Staff correct a no-show to held: the opportunity is settled again.
      await ctx.db.patch("opportunities", opportunity._id, { status: "Booked", meetingTime: meeting.meetingTime });
    }
  }
  const after = (await ctx.db.get("meetings", meeting._id))!;
  await syncOutcome(ctx.db, after, counters);
  if (sendsInvites && (change.kind === "cancelled" || change.kind === "rescheduled")) {
    await ctx.scheduler.runAfter(0, internal.followUp.sendBookingConfirmation, { meetingId: meeting._id });
  }
  if ((source === "provider" || source === "reconcile") && (change.kind === "cancelled" || change.kind === "rescheduled")) {
    await openTask(
      ctx,
      {
        agencyId: meeting.agencyId,
        opportunityId: meeting.opportunityId,
        callId: meeting.callId,
        type: "meeting_changed",
        reason:
          change.kind === "cancelled"
            ? "the meeting was cancelled at its provider; nothing was withdrawn: re-book or start a call"
            : "the meeting was moved at its provider; check the new time",
        details: { meetingId: meeting._id, change: change.kind, provider: meeting.bookingProvider },
      },
      { perOpportunity: true },
    );
  }
  logEvent(`meeting.${change.kind}`, { meetingId: meeting._id, agencyId: meeting.agencyId, source, sequence: after.sequence });
  return true;
}

/** A cancelled or missed meeting leaves the prospect open to be called and booked again. */
async function reopen(ctx: MutationCtx, opportunity: Doc<"opportunities"> | null) {
  if (opportunity?.status === "Booked") {
    await ctx.db.patch("opportunities", opportunity._id, { status: "Contacted", meetingTime: undefined });
  }
}

/** The provider's time is the meeting's now; if it lands on another Atlas meeting, a person sorts it out. */
async function flagOverlap(ctx: MutationCtx, meeting: Doc<"meetings">, start: number) {
  const end = start + meeting.durationMinutes * MINUTE;
  // Atlas's meetings only: the owner's own calendar blocks may well hold this very event until the next sync.
  const others = await ctx.db
    .query("meetings")
    .withIndex("by_agency_status_and_time", (q) =>
      q.eq("agencyId", meeting.agencyId).eq("status", "booked").gt("meetingTime", start - MAX_MEETING_MINUTES * MINUTE).lt("meetingTime", end),
    )
    .collect();
  if (!others.some((m) => m._id !== meeting._id && m.meetingTime + m.durationMinutes * MINUTE > start)) return;
  await openTask(ctx, {
    agencyId: meeting.agencyId,
    opportunityId: meeting.opportunityId,
    callId: meeting.callId,
    type: "booking_conflict",
    reason: "the meeting was moved at its provider onto another Atlas meeting; move one of them",
    details: { slotIso: new Date(start).toISOString() },
  });
}

/** The meeting that stands for this prospect (booked or held): no call, retry or follow-up while one does. */
export async function standingMeeting(ctx: MutationCtx, opportunityId: Id<"opportunities">): Promise<Doc<"meetings"> | null> {
  const meetings = await ctx.db
    .query("meetings")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
    .order("desc")
    .take(20);
  return meetings.find((m) => m.status === "booked" || m.status === "completed") ?? null;
}

/** Records that a provider confirmed the booking, once. */
export async function markVerified(ctx: MutationCtx, meeting: Doc<"meetings">, provider?: BookingProvider): Promise<void> {
  if (meeting.verifiedAt !== undefined) return;
  await ctx.db.patch("meetings", meeting._id, { verifiedAt: Date.now(), ...(provider && !meeting.bookingProvider ? { bookingProvider: provider } : {}) });
  await recordMeetingEvent(ctx, meeting, { kind: "verified", source: "provider" });
}

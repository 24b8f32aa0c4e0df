import { v } from "convex/values";
import { internalAction } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { inviteDeliveryKey, inviteMethod, type Recipient } from "./model/invites/invite";
import { logEvent } from "./model/log";
import { queueCalendarEvent } from "./model/calendar/events";
import { deliver } from "./model/outbox/deliver";
import { enqueue } from "./model/outbox/ledger";
import { queueBookingText } from "./model/texts/bookingText";

/**
 * Queues the meeting's current state in the outbox for the prospect and the
 * agency, one row per (meeting, sequence, recipient), and the prospect's text
 * when the agency confirms bookings by text: a second run for the same
 * sequence queues nothing; with a connected Google Calendar, one row for
 * it too (model/calendar/events.ts). Returns the rows to send now.
 */
export const queueInvites = internalMutation({
  args: { meetingId: v.id("meetings") },
  returns: v.array(v.id("outbox")),
  handler: async (ctx, { meetingId }) => {
    const meeting = await ctx.db.get("meetings", meetingId);
    const agency = meeting && (await ctx.db.get("agencies", meeting.agencyId));
    const opportunity = meeting && (await ctx.db.get("opportunities", meeting.opportunityId));
    if (!meeting || !agency || !opportunity) {
      logEvent("invite.skipped", { meetingId, reason: "meeting_not_found" });
      return [];
    }
    // The prospect's text (when the agency confirms by text) goes whether or not anyone has an email.
    const text = await queueBookingText(ctx, meeting, agency, opportunity, false);
    const queued: Id<"outbox">[] = text?.outboxId ? [text.outboxId] : [];
    // The agency's own calendar hears of every change too, when one is connected.
    const calendarRow = await queueCalendarEvent(ctx, meeting);
    if (calendarRow?.queued) queued.push(calendarRow.outboxId);
    const method = inviteMethod(meeting.status);
    const recipients: Recipient[] = [];
    if (opportunity.email) recipients.push("prospect");
    if (agency.email) recipients.push("agency");
    if (!method || recipients.length === 0) {
      logEvent("invite.skipped", { meetingId, reason: method ? "no_recipient" : `meeting_${meeting.status}` });
      return queued;
    }
    for (const recipient of recipients) {
      const row = await enqueue(
        ctx,
        {
          key: inviteDeliveryKey(meetingId, meeting.sequence, recipient),
          agencyId: agency._id,
          channel: "email",
          message: { kind: "invite", meetingId, sequence: meeting.sequence, recipient },
        },
        false,
      );
      if (row.queued) queued.push(row.outboxId);
    }
    logEvent("invite.queued", { meetingId, method, sequence: meeting.sequence, recipients: recipients.length, queued: queued.length });
    return queued;
  },
});

/**
 * Emails the meeting's current state to the prospect and the agency: an invite
 * (METHOD:REQUEST) while booked, a cancellation (METHOD:CANCEL) once cancelled,
 * always with the current SEQUENCE. So one action serves confirmations,
 * reschedules and cancellations. Exactly once per (meeting, sequence, recipient)
 * through the outbox and Resend's idempotency key; transient failures are
 * retried by the outbox with backoff, and an older sequence's retry is skipped.
 */
export const sendBookingConfirmation = internalAction({
  args: { meetingId: v.id("meetings") },
  returns: v.null(),
  handler: async (ctx, { meetingId }): Promise<null> => {
    const queued = await ctx.runMutation(internal.followUp.queueInvites, { meetingId });
    for (const outboxId of queued) await deliver(ctx, outboxId);
    return null;
  },
});

import { v, type Infer } from "convex/values";
import { internalAction, internalQuery, type MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { meetingStatus } from "./schema";
import {
  addressOf,
  buildIcs,
  inviteDeliveryKey,
  inviteEmail,
  inviteMethod,
  invitePrefix,
  sequenceOfKey,
  type InviteParties,
  type Recipient,
} from "./model/invite";
import { DELIVERY_LEASE_MS, deliveryByKey, retryDelayMs } from "./model/delivery";
import { sendEmail } from "./model/email";
import { logEvent } from "./model/log";
import { hearingZone } from "./model/prospectZone";

const recipient = v.union(v.literal("prospect"), v.literal("agency"));

const inviteContext = v.object({
  agencyId: v.id("agencies"),
  meeting: v.object({
    id: v.string(),
    meetingTime: v.number(),
    durationMinutes: v.number(),
    sequence: v.number(),
    status: meetingStatus,
    revisedAt: v.number(),
  }),
  agencyName: v.string(),
  agencyZone: v.string(),
  agencyEmail: v.optional(v.string()),
  prospectName: v.string(),
  prospectEmail: v.optional(v.string()),
  prospectZone: v.optional(v.string()),
});
type InviteContext = Infer<typeof inviteContext>;

/** The meeting as it is now, with the names, addresses and zones the invite needs. */
export const loadInviteContext = internalQuery({
  args: { meetingId: v.id("meetings") },
  returns: v.union(v.null(), inviteContext),
  handler: async (ctx, { meetingId }) => {
    const meeting = await ctx.db.get("meetings", meetingId);
    if (!meeting) return null;
    const agency = await ctx.db.get("agencies", meeting.agencyId);
    const opportunity = await ctx.db.get("opportunities", meeting.opportunityId);
    if (!agency || !opportunity) return null;
    return {
      agencyId: agency._id,
      meeting: {
        id: meeting._id,
        meetingTime: meeting.meetingTime,
        durationMinutes: meeting.durationMinutes,
        sequence: meeting.sequence,
        status: meeting.status,
        revisedAt: meeting.revisedAt ?? meeting._creationTime,
      },
      agencyName: agency.name,
      agencyZone: agency.timeZone,
      agencyEmail: agency.email,
      prospectName: opportunity.name,
      prospectEmail: opportunity.email,
      prospectZone: hearingZone(opportunity, agency.timeZone),
    };
  },
});

/** Older sequences' unsent invites will never be wanted: the newest one replaces them. */
async function supersedeOlderInvites(ctx: MutationCtx, meetingId: Id<"meetings">, sequence: number) {
  const prefix = invitePrefix(meetingId);
  const rows = await ctx.db
    .query("deliveries")
    .withIndex("by_key", (q) => q.gte("key", prefix).lt("key", `${prefix}~`))
    .collect();
  for (const row of rows) {
    if (row.status === "pending" && sequenceOfKey(row.key) < sequence) {
      await ctx.db.patch("deliveries", row._id, {
        status: "skipped",
        lastError: `superseded by sequence ${sequence}`,
        leaseUntil: undefined,
        checkAt: undefined,
      });
    }
  }
}

/**
 * Claims one (meeting, sequence, recipient) email before it is sent. Returns the
 * attempt number, or null when it was sent, gave up, or another run holds it now.
 */
export const claimInvite = internalMutation({
  args: { agencyId: v.id("agencies"), meetingId: v.id("meetings"), sequence: v.number(), recipient },
  returns: v.object({ key: v.string(), attempt: v.union(v.number(), v.null()) }),
  handler: async (ctx, args) => {
    await supersedeOlderInvites(ctx, args.meetingId, args.sequence);
    const key = inviteDeliveryKey(args.meetingId, args.sequence, args.recipient);
    const now = Date.now();
    const row = await deliveryByKey(ctx, key);
    if (!row) {
      await ctx.db.insert("deliveries", {
        key,
        agencyId: args.agencyId,
        channel: "email",
        status: "pending",
        attempts: 1,
        leaseUntil: now + DELIVERY_LEASE_MS,
        checkAt: now + DELIVERY_LEASE_MS,
        resend: { kind: "invite", meetingId: args.meetingId },
      });
      return { key, attempt: 1 };
    }
    const claimable = row.status === "disabled" || (row.status === "pending" && (row.leaseUntil ?? 0) <= now);
    if (!claimable) return { key, attempt: null };
    const attempt = row.attempts + 1;
    await ctx.db.patch("deliveries", row._id, {
      status: "pending",
      attempts: attempt,
      leaseUntil: now + DELIVERY_LEASE_MS,
      checkAt: now + DELIVERY_LEASE_MS,
      resend: { kind: "invite", meetingId: args.meetingId },
    });
    return { key, attempt };
  },
});

/**
 * Records how a claimed send went. A transient failure keeps the row pending and
 * returns the backoff before the next try; otherwise the row is final.
 */
export const recordInviteSend = internalMutation({
  args: {
    key: v.string(),
    providerMessageId: v.optional(v.string()),
    error: v.optional(v.object({ message: v.string(), retryable: v.boolean() })),
  },
  returns: v.object({ retryInMs: v.union(v.number(), v.null()) }),
  handler: async (ctx, { key, providerMessageId, error }) => {
    const row = await deliveryByKey(ctx, key);
    if (!row) throw new Error(`delivery ${key} was never claimed`);
    if (!error) {
      await ctx.db.patch("deliveries", row._id, {
        status: "sent",
        sentAt: Date.now(),
        providerMessageId,
        leaseUntil: undefined,
        checkAt: undefined,
      });
      return { retryInMs: null };
    }
    const retryInMs = error.retryable && row.status === "pending" ? retryDelayMs(row.attempts) : null;
    await ctx.db.patch("deliveries", row._id, {
      status: retryInMs === null && row.status === "pending" ? "failed" : row.status,
      lastError: error.message,
      leaseUntil: undefined,
      // The retry is scheduled below; if it never settles the row, the sweep does.
      checkAt: retryInMs === null ? undefined : Date.now() + retryInMs + DELIVERY_LEASE_MS,
    });
    return { retryInMs };
  },
});

/** Email is off (no API key or sender): say so on the ledger instead of sending. */
export const recordInviteDisabled = internalMutation({
  args: { agencyId: v.id("agencies"), meetingId: v.id("meetings"), sequence: v.number(), recipient, reason: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const key = inviteDeliveryKey(args.meetingId, args.sequence, args.recipient);
    const row = await deliveryByKey(ctx, key);
    if (!row) {
      await ctx.db.insert("deliveries", {
        key,
        agencyId: args.agencyId,
        channel: "email",
        status: "disabled",
        attempts: 0,
        lastError: args.reason,
      });
    } else if (row.status === "pending" || row.status === "disabled") {
      await ctx.db.patch("deliveries", row._id, { status: "disabled", lastError: args.reason, leaseUntil: undefined, checkAt: undefined });
    }
    return null;
  },
});

function recipientsOf(invite: InviteContext): { recipient: Recipient; email: string }[] {
  const out: { recipient: Recipient; email: string }[] = [];
  if (invite.prospectEmail) out.push({ recipient: "prospect", email: invite.prospectEmail });
  if (invite.agencyEmail) out.push({ recipient: "agency", email: invite.agencyEmail });
  return out;
}

/**
 * Emails the meeting's current state to the prospect and the agency: an invite
 * (METHOD:REQUEST) while booked, a cancellation (METHOD:CANCEL) once cancelled,
 * always with the current SEQUENCE. So one action serves confirmations,
 * reschedules and cancellations. Exactly once per (meeting, sequence, recipient)
 * through the `deliveries` ledger and Resend's idempotency key; transient failures
 * retry this same action with backoff.
 */
export const sendBookingConfirmation = internalAction({
  args: { meetingId: v.id("meetings") },
  returns: v.null(),
  handler: async (ctx, { meetingId }): Promise<null> => {
    const invite: InviteContext | null = await ctx.runQuery(internal.followUp.loadInviteContext, { meetingId });
    if (!invite) {
      logEvent("invite.skipped", { meetingId, reason: "meeting_not_found" });
      return null;
    }
    const { meeting } = invite;
    const method = inviteMethod(meeting.status);
    const recipients = recipientsOf(invite);
    if (!method || recipients.length === 0) {
      logEvent("invite.skipped", { meetingId, reason: method ? "no_recipient" : `meeting_${meeting.status}` });
      return null;
    }
    const base = { agencyId: invite.agencyId, meetingId, sequence: meeting.sequence };

    const apiKey = process.env.RESEND_API_KEY;
    const from = process.env.EMAIL_FROM;
    if (!apiKey || !from) {
      const reason = `email disabled: ${apiKey ? "EMAIL_FROM" : "RESEND_API_KEY"} is not set`;
      for (const r of recipients) {
        await ctx.runMutation(internal.followUp.recordInviteDisabled, { ...base, recipient: r.recipient, reason });
      }
      logEvent("invite.disabled", { meetingId, sequence: meeting.sequence, recipients: recipients.length });
      return null;
    }

    const parties: InviteParties = {
      agencyName: invite.agencyName,
      agencyZone: invite.agencyZone,
      organizerEmail: addressOf(from),
      agencyEmail: invite.agencyEmail,
      prospectName: invite.prospectName,
      prospectEmail: invite.prospectEmail,
      prospectZone: invite.prospectZone,
    };
    const ics = new TextEncoder().encode(buildIcs(meeting, parties));
    let retryInMs: number | null = null;

    for (const r of recipients) {
      const claim = await ctx.runMutation(internal.followUp.claimInvite, { ...base, recipient: r.recipient });
      if (claim.attempt === null) continue;
      const email = inviteEmail(meeting, parties, r.recipient);
      const sent = await sendEmail({
        to: r.email,
        subject: email.subject,
        text: email.text,
        attachments: [{ filename: "invite.ics", content: ics, contentType: `text/calendar; method=${method}` }],
        // Same key on every attempt: a retry after a lost response is not a second email.
        idempotencyKey: claim.key,
      });
      const failed = sent.status === "failed" ? sent : null;
      const outcome = await ctx.runMutation(internal.followUp.recordInviteSend, {
        key: claim.key,
        providerMessageId: sent.status === "sent" ? sent.providerMessageId : undefined,
        error: failed ? { message: failed.error, retryable: failed.retryable } : undefined,
      });
      logEvent(failed ? "invite.failed" : "invite.sent", {
        meetingId,
        recipient: r.recipient,
        method,
        sequence: meeting.sequence,
        attempt: claim.attempt,
        retryInMs: outcome.retryInMs,
      });
      if (outcome.retryInMs !== null) retryInMs = Math.max(retryInMs ?? 0, outcome.retryInMs);
    }
    if (retryInMs !== null) {
      await ctx.scheduler.runAfter(retryInMs, internal.followUp.sendBookingConfirmation, { meetingId });
    }
    return null;
  },
});

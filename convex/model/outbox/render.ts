/**
 * Builds a claimed row's message as it is now (the claim runs this in its
 * transaction), or says why there is nothing to send. Invites are rendered
 * from the meeting's current state, prospect emails from the call, staff
 * notifications from their stored text and destination, texts from their `texts` row.
 */
import type { Doc } from "../../_generated/dataModel";
import type { QueryCtx } from "../../_generated/server";
import { channelOf } from "../channels";
import type { OutgoingMessage } from "../channels/shared";
import { addressOf, buildIcs, inviteEmail, inviteMethod, type InviteMeeting, type InviteParties } from "../invites/invite";
import { bookingLinkEmail, freeSlotsEmail } from "../processes/emails";
import { hearingZone } from "../scheduling/prospectZone";
import { renderText } from "../texts/ledger";
import type { OutboxMessage } from "./messages";
import { fallbackEmail } from "../callbacks/fallback";

type Draft = Omit<OutgoingMessage, "idempotencyKey">;
export type Rendered = { draft: Draft; sealedSecret?: string } | { skip: string };

type MessageOf<K extends OutboxMessage["kind"]> = Extract<OutboxMessage, { kind: K }>;

async function renderInvite(ctx: QueryCtx, m: MessageOf<"invite">): Promise<Rendered> {
  const meeting = await ctx.db.get("meetings", m.meetingId);
  if (!meeting) return { skip: "meeting not found" };
  if (meeting.sequence > m.sequence) return { skip: `superseded by sequence ${meeting.sequence}` };
  const method = inviteMethod(meeting.status);
  if (!method) return { skip: `meeting ${meeting.status}` };
  const agency = await ctx.db.get("agencies", meeting.agencyId);
  const opportunity = await ctx.db.get("opportunities", meeting.opportunityId);
  if (!agency || !opportunity) return { skip: "agency or opportunity not found" };
  const to = m.recipient === "prospect" ? opportunity.email : agency.email;
  if (!to) return { skip: `the ${m.recipient} has no email address` };
  const parties: InviteParties = {
    agencyName: agency.name,
    agencyZone: agency.timeZone,
    organizerEmail: addressOf(process.env.EMAIL_FROM ?? ""),
    agencyEmail: agency.email,
    prospectName: opportunity.name,
    prospectEmail: opportunity.email,
    prospectZone: hearingZone(opportunity, agency.timeZone),
  };
  const invite: InviteMeeting = {
    id: meeting._id,
    meetingTime: meeting.meetingTime,
    durationMinutes: meeting.durationMinutes,
    sequence: meeting.sequence,
    status: meeting.status,
    revisedAt: meeting.revisedAt ?? meeting._creationTime,
  };
  const email = inviteEmail(invite, parties, m.recipient);
  return {
    draft: {
      to,
      subject: email.subject,
      text: email.text,
      attachments: [{ filename: "invite.ics", content: buildIcs(invite, parties), contentType: `text/calendar; method=${method}` }],
    },
  };
}

async function renderProspectEmail(ctx: QueryCtx, m: MessageOf<"prospect_email">): Promise<Rendered> {
  const call = await ctx.db.get("calls", m.callId);
  const agency = call && (await ctx.db.get("agencies", call.agencyId));
  const opportunity = call && (await ctx.db.get("opportunities", call.opportunityId));
  if (!agency || !opportunity) return { skip: "call, agency or opportunity not found" };
  if (!opportunity.email) return { skip: "the prospect has no email address" };
  const party = {
    agencyName: agency.name,
    prospectName: opportunity.name,
    prospectZone: hearingZone(opportunity, agency.timeZone),
    meetingDurationMinutes: agency.meetingDurationMinutes,
    bookingLink: agency.bookingLink,
  };
  const content = m.email.kind === "booking_link" ? bookingLinkEmail(party) : freeSlotsEmail(party, m.email.slots);
  return { draft: { to: opportunity.email, replyTo: agency.email, ...content } };
}

async function renderNotification(ctx: QueryCtx, m: MessageOf<"notification">): Promise<Rendered> {
  const destination = await ctx.db.get("notificationDestinations", m.destinationId);
  if (!destination) return { skip: "destination removed" };
  const draft = { to: destination.target, subject: m.subject, text: m.text };
  const channel = channelOf(destination.kind);
  if (!channel.secret) return { draft };
  const secret = await ctx.db
    .query("notificationSecrets")
    .withIndex("by_destination", (q) => q.eq("destinationId", destination._id))
    .unique();
  if (!secret) return { skip: channel.missingSecret };
  if (!secret.sealed) return { skip: "secret stored before encryption: run notifications.encryptLegacySecrets or save the destination again" };
  return { draft, sealedSecret: secret.sealed };
}

async function renderCallbackFallback(ctx: QueryCtx, m: MessageOf<"callback_fallback">): Promise<Rendered> {
  const message = await ctx.db.get("staffMessages", m.staffMessageId);
  const agency = message && (await ctx.db.get("agencies", message.agencyId));
  if (!message || !agency) return { skip: "message or agency not found" };
  if (!agency.email) return { skip: "the agency has no email address" };
  return { draft: { to: agency.email, ...fallbackEmail(message) } };
}

export async function render(ctx: QueryCtx, row: Doc<"outbox">): Promise<Rendered> {
  switch (row.message.kind) {
    case "invite":
      return await renderInvite(ctx, row.message);
    case "prospect_email":
      return await renderProspectEmail(ctx, row.message);
    case "notification":
      return await renderNotification(ctx, row.message);
    case "calendar_event":
      // Built by the claim's calendar branch (model/calendar/events.ts planCalendarWrite), never as a message.
      return { skip: "calendar rows are not messages" };
    case "callback_fallback":
      return await renderCallbackFallback(ctx, row.message);
    case "text":
      return await renderText(ctx, row.message.textId);
  }
}

/**
 * What an outbox row carries: which message it is, so the claim can build it
 * as it is at send time (an invite from the meeting's current state, a prospect
 * email from the call, a notification from its stored text).
 */
import { v, type Infer } from "convex/values";
import { destinationKind } from "../channels";
import { outgoingMessage } from "../channels/shared";

/** What a post-call prospect email says (its content is built when it is sent). */
export const prospectEmail = v.union(
  v.object({ kind: v.literal("booking_link") }),
  v.object({ kind: v.literal("free_slots"), slots: v.array(v.number()) }),
);
export type ProspectEmail = Infer<typeof prospectEmail>;

export const inviteRecipient = v.union(v.literal("prospect"), v.literal("agency"));

/** realtime: one message as it happens; digest: one summary a day at the agency's digest hour. */
export const deliveryMode = v.union(v.literal("realtime"), v.literal("digest"));
export type DeliveryMode = Infer<typeof deliveryMode>;

/** Where a row goes: a notification channel, or the agency's connected Google Calendar (model/calendar/events.ts). */
export const outboxChannel = v.union(destinationKind, v.literal("google_calendar"));
export type OutboxChannel = Infer<typeof outboxChannel>;

export const outboxMessage = v.union(
  v.object({ kind: v.literal("invite"), meetingId: v.id("meetings"), sequence: v.number(), recipient: inviteRecipient }),
  v.object({ kind: v.literal("prospect_email"), callId: v.id("calls"), email: prospectEmail }),
  v.object({
    kind: v.literal("notification"),
    destinationId: v.id("notificationDestinations"),
    mode: deliveryMode,
    subject: v.string(),
    text: v.string(),
    /** Digest items this message carries (a digest counts all, lists the first MAX_DIGEST_LINES). */
    digestItems: v.optional(v.number()),
  }),
  /** The meeting's state at `sequence` written to the agency's Google Calendar (insert, patch or cancel). */
  v.object({ kind: v.literal("calendar_event"), meetingId: v.id("meetings"), sequence: v.number() }),
  /** A caller's message no staff call got through: to the agency's email (model/callbacks/flow.ts). */
  v.object({ kind: v.literal("callback_fallback"), staffMessageId: v.id("staffMessages") }),
  /** An SMS to a prospect or to staff (model/texts/ledger.ts): its number, body and status live in its `texts` row. */
  v.object({ kind: v.literal("text"), textId: v.id("texts") }),
);
export type OutboxMessage = Infer<typeof outboxMessage>;
export type MessageKind = OutboxMessage["kind"];

/** Keys name one message for ever; they are also the providers' idempotency keys. */
export const outboxKey = {
  prospectEmail: (callId: string, email: ProspectEmail) => `${email.kind}:${callId}`,
  notification: (itemId: string) => `notification:${itemId}`,
  callbackFallback: (staffMessageId: string) => `callback_fallback:${staffMessageId}`,
  /** A digest run that lapses and starts again keeps its date, so the time it was first composed tells runs apart. */
  digest: (destinationId: string, localDate: string, composedAt: number) => `digest:${destinationId}:${localDate}:${composedAt}`,
  calendarEvent: (meetingId: string, sequence: number) => `calendar_event:${meetingId}:${sequence}`,
  /** The same sequence written again into a newly connected account's calendar (one per connection). */
  calendarEventIn: (meetingId: string, sequence: number, connectionId: string) => `calendar_event:${meetingId}:${sequence}:${connectionId}`,
};

/** What a claim hands the sending action: the message built now, the secret still encrypted. */
export const channelJob = v.object({
  channel: destinationKind,
  message: outgoingMessage,
  sealedSecret: v.optional(v.string()),
});

/** A calendar write as the claim built it: the event as the meeting is now, the tokens still with the connection. */
export const calendarJob = v.object({
  channel: v.literal("google_calendar"),
  agencyId: v.id("agencies"),
  calendarId: v.string(),
  eventId: v.string(),
  /** upsert: insert (409: patch); patch first when the event is known to exist. cancel: delete. */
  operation: v.union(v.literal("insert"), v.literal("patch"), v.literal("cancel")),
  event: v.optional(
    v.object({
      summary: v.string(),
      description: v.string(),
      start: v.object({ dateTime: v.string(), timeZone: v.string() }),
      end: v.object({ dateTime: v.string(), timeZone: v.string() }),
      attendees: v.array(v.object({ email: v.string(), displayName: v.optional(v.string()) })),
    }),
  ),
});
export type CalendarJob = Infer<typeof calendarJob>;

export const claimedJob = v.union(channelJob, calendarJob);

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
  /** An SMS to a prospect or to staff (model/texts/ledger.ts): its number, body and status live in its `texts` row. */
  v.object({ kind: v.literal("text"), textId: v.id("texts") }),
);
export type OutboxMessage = Infer<typeof outboxMessage>;
export type MessageKind = OutboxMessage["kind"];

/** Keys name one message for ever; they are also the providers' idempotency keys. */
export const outboxKey = {
  prospectEmail: (callId: string, email: ProspectEmail) => `${email.kind}:${callId}`,
  notification: (itemId: string) => `notification:${itemId}`,
  /** A digest run that lapses and starts again keeps its date, so the time it was first composed tells runs apart. */
  digest: (destinationId: string, localDate: string, composedAt: number) => `digest:${destinationId}:${localDate}:${composedAt}`,
};

/** What a claim hands the sending action: the message built now, the secret still encrypted. */
export const claimedJob = v.object({
  channel: destinationKind,
  message: outgoingMessage,
  sealedSecret: v.optional(v.string()),
});

/**
 * The text messages' tables, spread into convex/schema.ts: every SMS Atlas
 * means to send (missed-call text-backs, booking confirmations, staff texts)
 * with its status, the numbers that opted out of texts, the agency's text-back
 * settings and its own Twilio account (sealed).
 */
import { defineTable } from "convex/server";
import { v, type Infer } from "convex/values";

/** Why a text is sent: a missed call, a booking change, a message to staff. */
export const textPurpose = v.union(v.literal("missed_call"), v.literal("booking"), v.literal("staff"));
export type TextPurpose = Infer<typeof textPurpose>;

export const textStatus = v.union(
  v.literal("scheduled"), // a text-back waiting for its delay
  v.literal("queued"), // in the outbox (pending or being sent)
  v.literal("sent"), // Twilio accepted it
  v.literal("failed"),
  v.literal("unknown"), // the attempt died mid-send: it may have arrived, and is never resent
  v.literal("skipped"), // not sent, `reason` says why (opted out, landline, texted within 24 hours, ...)
);
export type TextStatus = Infer<typeof textStatus>;

export const textTables = {
  texts: defineTable({
    /** Names the text for ever; also its outbox row's key. */
    key: v.string(),
    agencyId: v.id("agencies"),
    purpose: textPurpose,
    /** E.164. */
    to: v.string(),
    body: v.string(),
    status: textStatus,
    /** Why it was skipped or failed: short codes and provider errors, never a number or the body. */
    reason: v.optional(v.string()),
    opportunityId: v.optional(v.id("opportunities")),
    callId: v.optional(v.id("calls")),
    meetingId: v.optional(v.id("meetings")),
    /** The meeting's sequence a booking text confirms. */
    sequence: v.optional(v.number()),
    /** When a scheduled text-back is due. */
    sendAt: v.optional(v.number()),
    /** When it went to the outbox: the 24-hour text-back limit counts these. */
    queuedAt: v.optional(v.number()),
    outboxId: v.optional(v.id("outbox")),
    providerMessageId: v.optional(v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_key", ["key"])
    .index("by_outbox", ["outboxId"])
    .index("by_agency_to_purpose_and_queued", ["agencyId", "to", "purpose", "queuedAt"])
    .index("by_agency_and_created", ["agencyId", "createdAt"]),

  /** Numbers that must not be texted by the agency (Twilio said 21610: they texted STOP). */
  textOptOuts: defineTable({
    agencyId: v.id("agencies"),
    /** E.164. */
    phone: v.string(),
    source: v.literal("twilio_unsubscribed"),
    createdAt: v.number(),
  }).index("by_agency_and_phone", ["agencyId", "phone"]),

  /** callbacks.configureTextBack: one row per agency. */
  textBackSettings: defineTable({
    agencyId: v.id("agencies"),
    enabled: v.boolean(),
    delaySeconds: v.number(),
    /** The agency's own text-back wording; absent: the default, built when the text is composed. */
    text: v.optional(v.string()),
    confirmBookings: v.boolean(),
    updatedAt: v.number(),
  }).index("by_agency", ["agencyId"]),

  /** The agency's own Twilio account, when it has one: read only by the outbox claim. */
  agencySmsCredentials: defineTable({
    agencyId: v.id("agencies"),
    /** model/secrets.ts encryptSecret of the sms channel's secret JSON { twilio }. */
    sealed: v.string(),
    /** What staff see: "account …abcd, token …wxyz". */
    secretMask: v.string(),
  }).index("by_agency", ["agencyId"]),
};

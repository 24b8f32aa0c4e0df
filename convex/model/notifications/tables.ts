/**
 * The notification center's tables, spread into convex/schema.ts: destinations and
 * their sealed secrets, routing rules, digest settings and the dedupe ledger.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { destinationKind } from "../channels";
import { twilioCredentials } from "../channels/sms";
import { deliveryMode } from "../outbox/messages";
import { notificationEvent } from "./events";

export const notificationTables = {
  /** Where an agency's notifications go. Secrets live in notificationSecrets, never here. */
  notificationDestinations: defineTable({
    agencyId: v.id("agencies"),
    kind: destinationKind,
    label: v.string(),
    /** Slack channel, email address, or E.164 phone number. */
    target: v.string(),
    /** False for SMS without Twilio credentials: its deliveries are recorded as skipped. */
    configured: v.boolean(),
    /** What staff see of the secret: "xoxb-…abcd". */
    secretMask: v.optional(v.string()),
  }).index("by_agency", ["agencyId"]),

  /** Read only by the delivery claim; no query touches this table. */
  notificationSecrets: defineTable({
    agencyId: v.id("agencies"),
    destinationId: v.id("notificationDestinations"),
    /** model/secrets.ts encryptSecret of the JSON { slackBotToken?, twilio? }: "v1:<iv>:<ciphertext>". */
    sealed: v.optional(v.string()),
    /** Plaintext from before encryption: encryptLegacySecrets moves it into `sealed`. Never written now. */
    slackBotToken: v.optional(v.string()),
    twilio: v.optional(twilioCredentials),
  })
    .index("by_destination", ["destinationId"])
    // Rows still in plaintext (sealed unset), for encryptLegacySecrets.
    .index("by_sealed", ["sealed"]),

  /** One row per (agency, event, destination): send it realtime or in the daily digest. */
  notificationRules: defineTable({
    agencyId: v.id("agencies"),
    event: notificationEvent,
    destinationId: v.id("notificationDestinations"),
    mode: deliveryMode,
  })
    .index("by_agency_and_event", ["agencyId", "event", "destinationId"])
    .index("by_destination", ["destinationId"]),

  notificationSettings: defineTable({
    agencyId: v.id("agencies"),
    digestHour: v.number(),
    digestTimeZone: v.string(),
    dedupeWindowMinutes: v.number(),
    /** UTC ms of the next digest hour start; the hourly cron reads only due rows. */
    nextDigestAt: v.number(),
    /** Local date (in digestTimeZone) of the last digest sent. */
    lastDigestLocalDate: v.optional(v.string()),
    /** A digest under way (batches of items, one transaction each); nextDigestAt moves when it ends. */
    digestRun: v.optional(v.object({ localDate: v.string(), leaseUntil: v.number() })),
  })
    .index("by_agency", ["agencyId"])
    .index("by_next_digest_at", ["nextDigestAt"]),

  /**
   * Dedupe ledger: one row per (opportunity, event, destination) notified. A newer row
   * inside the agency's window means "already notified" and nothing is queued.
   */
  notificationItems: defineTable({
    agencyId: v.id("agencies"),
    /** Absent for agency-level events (calendar_disconnected): deduped per (event, destination). */
    opportunityId: v.optional(v.id("opportunities")),
    event: notificationEvent,
    destinationId: v.id("notificationDestinations"),
    callId: v.optional(v.id("calls")),
    meetingId: v.optional(v.id("meetings")),
    text: v.string(),
    state: v.union(v.literal("realtime"), v.literal("digest_pending"), v.literal("digested")),
    /** The message that carries it: its own realtime one, or its destination's digest. */
    deliveryId: v.optional(v.union(v.id("outbox"), v.id("notificationDeliveries"))),
    createdAt: v.number(),
  })
    .index("by_opportunity_event_destination", ["opportunityId", "event", "destinationId", "createdAt"])
    .index("by_agency_and_state", ["agencyId", "state"]),
};

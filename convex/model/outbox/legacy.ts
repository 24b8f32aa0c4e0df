/**
 * The two ledgers the outbox replaced (`deliveries` for emails, and
 * `notificationDeliveries`): their documents' shapes, kept valid in the schema
 * until migrations.migrateOutbox has moved them, and how one old row becomes
 * an outbox row. Delete this file with the two tables once the migration has
 * run on every deployment.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../../_generated/dataModel";
import { destinationKind } from "../channels";
import { deliveryMode, prospectEmail, type OutboxMessage } from "./messages";
import { outboxStatus, type OutboxStatus } from "./status";

/** How the old sweep sent a `deliveries` row again. */
export const legacyDeliveryResend = v.union(
  v.object({ kind: v.literal("invite"), meetingId: v.id("meetings") }),
  v.object({ kind: v.literal("prospect_email"), callId: v.id("calls"), email: prospectEmail }),
);

export const legacyDeliveryFields = {
  key: v.string(),
  agencyId: v.id("agencies"),
  channel: destinationKind,
  status: v.union(v.literal("pending"), v.literal("sent"), v.literal("failed"), v.literal("disabled"), v.literal("skipped")),
  attempts: v.number(),
  lastError: v.optional(v.string()),
  providerMessageId: v.optional(v.string()),
  sentAt: v.optional(v.number()),
  leaseUntil: v.optional(v.number()),
  checkAt: v.optional(v.number()),
  resend: v.optional(legacyDeliveryResend),
};

export const legacyNotificationDeliveryFields = {
  agencyId: v.id("agencies"),
  destinationId: v.id("notificationDestinations"),
  kind: destinationKind,
  mode: deliveryMode,
  subject: v.string(),
  text: v.string(),
  status: outboxStatus,
  attempts: v.number(),
  lastError: v.optional(v.string()),
  providerMessageId: v.optional(v.string()),
  sentAt: v.optional(v.number()),
  createdAt: v.number(),
  digestItems: v.optional(v.number()),
  checkAt: v.optional(v.number()),
};

type NewRow = Omit<Doc<"outbox">, "_id" | "_creationTime">;

/** What an old email row was, from its resend instruction or its key ("invite:<meetingId>:<sequence>:<recipient>", "booking_link:<callId>"). */
function messageOf(row: Doc<"deliveries">): OutboxMessage | null {
  if (row.resend?.kind === "prospect_email") return { kind: "prospect_email", callId: row.resend.callId, email: row.resend.email };
  const [kind, id, sequence, recipient] = row.key.split(":");
  if (kind === "invite" && (recipient === "prospect" || recipient === "agency")) {
    return { kind: "invite", meetingId: id as Id<"meetings">, sequence: Number(sequence), recipient };
  }
  if (kind === "booking_link") return { kind: "prospect_email", callId: id as Id<"calls">, email: { kind: "booking_link" } };
  return null; // a free_slots email from before the sweep: its slots were never stored
}

/**
 * An old email ledger row as an outbox row, same key (so Resend still drops a
 * repeat). An open row is the sweep's at once (its old sender is gone); one
 * that cannot be rebuilt ends failed, as the old sweep would have ended it.
 */
export function fromDelivery(row: Doc<"deliveries">): NewRow {
  const message = messageOf(row);
  // An old pending row with a lease was an attempt in flight.
  let status: OutboxStatus = row.status === "pending" && row.leaseUntil !== undefined ? "sending" : row.status;
  let lastError = row.lastError;
  if ((status === "pending" || status === "sending") && !message) {
    status = "failed";
    lastError = "no attempt settled it and it cannot be resent";
  }
  const open = status === "pending" || status === "sending";
  return {
    key: row.key,
    agencyId: row.agencyId,
    channel: row.channel,
    message: message ?? { kind: "prospect_email", callId: row.key.split(":")[1] as Id<"calls">, email: { kind: "free_slots", slots: [] } },
    status,
    attempts: row.attempts,
    lastError,
    providerMessageId: row.providerMessageId,
    sentAt: row.sentAt,
    createdAt: row._creationTime,
    checkAt: open ? (row.checkAt ?? row._creationTime) : undefined,
  };
}

/** An old notification row as an outbox row; its key names the old row. */
export function fromNotificationDelivery(row: Doc<"notificationDeliveries">): NewRow {
  const open = row.status === "pending" || row.status === "sending";
  return {
    key: `notification:legacy:${row._id}`,
    agencyId: row.agencyId,
    channel: row.kind,
    message: {
      kind: "notification",
      destinationId: row.destinationId,
      mode: row.mode,
      subject: row.subject,
      text: row.text,
      digestItems: row.digestItems,
    },
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    providerMessageId: row.providerMessageId,
    sentAt: row.sentAt,
    createdAt: row.createdAt,
    checkAt: open ? (row.checkAt ?? row.createdAt) : undefined,
  };
}

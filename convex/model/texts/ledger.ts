/**
 * The text sender: every SMS Atlas sends (missed-call text-backs, booking
 * confirmations, staff texts) is one `texts` row, sent through the one outbox
 * (kind "text", channel "sms") exactly once per key. The row keeps the text's
 * status in step with its outbox row; Twilio's 21610 opts the number out.
 *
 *   queueText(ctx, {...})  ──▶ skipped (opted out, landline) | queued ──outbox──▶ sent | failed | unknown | skipped
 */
import type { Doc, Id } from "../../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import { deploymentTwilio, TWILIO_UNSUBSCRIBED } from "../channels/sms";
import type { OutgoingMessage, SendOutcome } from "../channels/shared";
import { logEvent } from "../log";
import { recordUsage } from "../usage";
import { enqueue } from "../outbox/ledger";
import type { OutboxStatus, Transition } from "../outbox/status";
import { canReceiveTexts } from "./compose";
import type { TextPurpose, TextStatus } from "./tables";

/** Keys name one text for ever; they are also its outbox row's key. */
export const textKey = {
  missedCall: (vapiCallId: string) => `text:missed_call:${vapiCallId}`,
  booking: (meetingId: string, sequence: number) => `text:booking:${meetingId}:${sequence}`,
  /** A staff text names what it is about (a callback attempt's fallback: its attempt id). */
  staff: (subject: string) => `text:staff:${subject}`,
};

export interface TextRequest {
  /** From textKey: a second request with the same key sends nothing. */
  key: string;
  agencyId: Id<"agencies">;
  purpose: TextPurpose;
  /** E.164. */
  to: string;
  body: string;
  opportunityId?: Id<"opportunities">;
  callId?: Id<"calls">;
  meetingId?: Id<"meetings">;
  sequence?: number;
}

export interface QueuedText {
  textId: Id<"texts">;
  status: TextStatus;
  /** The outbox row when the text was queued by this request: an action may deliver it at once (model/outbox/deliver.ts). */
  outboxId: Id<"outbox"> | null;
}

export async function textByKey(ctx: QueryCtx, key: string): Promise<Doc<"texts"> | null> {
  return await ctx.db
    .query("texts")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
}

/** Opportunities sharing one number are few (one per inbound or imported lead): a bounded read. */
const MAX_OPPORTUNITIES_PER_PHONE = 20;

/** Why the agency must not text this number (opted out of texts, or of calls), or null. */
export async function textRefusal(ctx: QueryCtx, agencyId: Id<"agencies">, phone: string): Promise<string | null> {
  const optOut = await ctx.db
    .query("textOptOuts")
    .withIndex("by_agency_and_phone", (q) => q.eq("agencyId", agencyId).eq("phone", phone))
    .first();
  if (optOut) return "opted out of texts";
  const leads = await ctx.db
    .query("opportunities")
    .withIndex("by_agency_and_phone", (q) => q.eq("agencyId", agencyId).eq("phone", phone))
    .take(MAX_OPPORTUNITIES_PER_PHONE);
  if (leads.some((o) => o.doNotCall)) return "opted out of calls";
  if (!canReceiveTexts(phone)) return "cannot receive texts (landline)";
  return null;
}

async function setStatus(ctx: MutationCtx, text: Doc<"texts">, status: TextStatus, fields: Partial<Doc<"texts">> = {}) {
  await ctx.db.patch("texts", text._id, { status, ...fields, updatedAt: Date.now() });
  logEvent(`text.${status}`, { textId: text._id, agencyId: text.agencyId, purpose: text.purpose, reason: fields.reason });
}

/** Settles a text as not sent, with the reason recorded. */
export async function skipText(ctx: MutationCtx, text: Doc<"texts">, reason: string): Promise<void> {
  await setStatus(ctx, text, "skipped", { reason });
}

/**
 * Hands a stored text to the outbox, unless the number must not or cannot be
 * texted (the skip is recorded). `schedule` false: the calling action sends it
 * at once with model/outbox/deliver.ts.
 */
export async function dispatchText(ctx: MutationCtx, text: Doc<"texts">, schedule = true): Promise<QueuedText> {
  const refusal = await textRefusal(ctx, text.agencyId, text.to);
  if (refusal) {
    await skipText(ctx, text, refusal);
    return { textId: text._id, status: "skipped", outboxId: null };
  }
  const { outboxId, queued } = await enqueue(
    ctx,
    { key: text.key, agencyId: text.agencyId, channel: "sms", message: { kind: "text", textId: text._id } },
    schedule,
  );
  await setStatus(ctx, text, "queued", { outboxId, queuedAt: Date.now() });
  return { textId: text._id, status: "queued", outboxId: queued ? outboxId : null };
}

/** Stores a text under its key and sends it once; the same key again returns the first text and sends nothing. */
export async function queueText(ctx: MutationCtx, request: TextRequest, schedule = true): Promise<QueuedText> {
  const existing = await textByKey(ctx, request.key);
  if (existing) return { textId: existing._id, status: existing.status, outboxId: null };
  const now = Date.now();
  const textId = await ctx.db.insert("texts", { ...request, status: "queued", createdAt: now, updatedAt: now });
  return await dispatchText(ctx, (await ctx.db.get("texts", textId))!, schedule);
}

/** Stores a text to be sent later (a text-back after its delay); dispatchText sends it then. */
export async function holdText(ctx: MutationCtx, request: TextRequest, sendAt: number): Promise<Doc<"texts"> | null> {
  if (await textByKey(ctx, request.key)) return null;
  const now = Date.now();
  const textId = await ctx.db.insert("texts", { ...request, status: "scheduled", sendAt, createdAt: now, updatedAt: now });
  return (await ctx.db.get("texts", textId))!;
}

/** The number an agency texts from: its smsFromNumber, else its inbound number. */
export function sendingNumber(agency: Doc<"agencies">): string | undefined {
  return agency.smsFromNumber ?? agency.inboundPhoneNumber;
}

export type Sender = { from: string; sealedSecret?: string } | { missing: string };

/**
 * How the agency texts now: its number, and its own Twilio account (sealed) or
 * none (the deployment's account, read by the sending action); else why it cannot.
 * Other features ask `"from" in sender` before promising a text.
 */
export async function agencySender(ctx: QueryCtx, agency: Doc<"agencies">): Promise<Sender> {
  const from = sendingNumber(agency);
  if (!from) return { missing: "the agency has no smsFromNumber or inboundPhoneNumber to text from" };
  const own = await ctx.db
    .query("agencySmsCredentials")
    .withIndex("by_agency", (q) => q.eq("agencyId", agency._id))
    .unique();
  if (own) return { from, sealedSecret: own.sealed };
  if (!deploymentTwilio(process.env)) return { missing: "twilio not configured (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)" };
  return { from };
}

/**
 * A claimed text as it is sent now (outbox/render.ts): skipped when the number
 * opted out since it was queued, the meeting moved on, or there is no account
 * or number to send from.
 */
export async function renderText(
  ctx: QueryCtx,
  textId: Id<"texts">,
): Promise<{ draft: Omit<OutgoingMessage, "idempotencyKey">; sealedSecret?: string } | { skip: string }> {
  const text = await ctx.db.get("texts", textId);
  if (!text) return { skip: "text not found" };
  const agency = await ctx.db.get("agencies", text.agencyId);
  if (!agency) return { skip: "agency not found" };
  const refusal = await textRefusal(ctx, text.agencyId, text.to);
  if (refusal) return { skip: refusal };
  if (text.meetingId && text.sequence !== undefined) {
    const meeting = await ctx.db.get("meetings", text.meetingId);
    if (!meeting) return { skip: "meeting not found" };
    if (meeting.sequence > text.sequence) return { skip: `superseded by sequence ${meeting.sequence}` };
  }
  const sender = await agencySender(ctx, agency);
  if ("missing" in sender) return { skip: sender.missing };
  const draft = { to: text.to, from: sender.from, subject: "", text: text.body };
  return sender.sealedSecret ? { draft, sealedSecret: sender.sealedSecret } : { draft };
}

const TEXT_STATUS: Record<OutboxStatus, TextStatus> = {
  composing: "queued",
  pending: "queued",
  sending: "queued",
  sent: "sent",
  failed: "failed",
  unknown: "unknown",
  skipped: "skipped",
  disabled: "skipped",
};

/**
 * Keeps a text's status in step with its outbox row after any move (claim,
 * attempt, sweep). Twilio's 21610 (recipient unsubscribed) opts the number out
 * of the agency's texts for good.
 */
export async function afterOutboxChange(ctx: MutationCtx, row: Doc<"outbox">, patch: Transition, outcome?: SendOutcome): Promise<void> {
  if (row.message.kind !== "text" || !patch.status) return;
  const text = await ctx.db.get("texts", row.message.textId);
  if (!text) return;
  const fields: Partial<Doc<"texts">> = {};
  if (patch.providerMessageId) fields.providerMessageId = patch.providerMessageId;
  if (patch.lastError && patch.status !== "sent") fields.reason = patch.lastError;
  const status = TEXT_STATUS[patch.status];
  // Billing counts a text once, when Twilio first accepts it (usage.month).
  if (status === "sent" && text.status !== "sent") await recordUsage(ctx, text.agencyId, { texts: 1 });
  await setStatus(ctx, text, status, fields);
  if (outcome && !outcome.ok && outcome.code === TWILIO_UNSUBSCRIBED) await optOutOfTexts(ctx, text.agencyId, text.to);
}

/** Records that the agency must not text `phone` again; once. */
export async function optOutOfTexts(ctx: MutationCtx, agencyId: Id<"agencies">, phone: string): Promise<void> {
  const existing = await ctx.db
    .query("textOptOuts")
    .withIndex("by_agency_and_phone", (q) => q.eq("agencyId", agencyId).eq("phone", phone))
    .first();
  if (existing) return;
  await ctx.db.insert("textOptOuts", { agencyId, phone, source: "twilio_unsubscribed", createdAt: Date.now() });
  logEvent("text.opted_out", { agencyId, source: "twilio_unsubscribed" });
}

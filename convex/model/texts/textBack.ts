/**
 * Missed-call text-back: an inbound call that never became a conversation
 * (missedCall.ts) earns the caller one text after the agency's delay, unless
 * they have called back and talked to us since. At most one per caller per
 * agency per 24 hours; never to a number that opted out (ledger.ts).
 */
import { ConvexError } from "convex/values";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import { e164OrNull } from "../calls/inboundCaller";
import { isConnectedOutcome } from "../calls/outcomes";
import { logEvent } from "../log";
import { defaultTextBack, MAX_TEXT_CHARS } from "./compose";
import { dispatchText, holdText, skipText, textKey } from "./ledger";
import { countCallerTurns, isMissedInbound } from "./missedCall";

export const TEXT_BACK_DEFAULTS = { delaySeconds: 30, confirmBookings: false } as const;
/** A text-back an hour after the call is no longer a text-back. */
export const MAX_DELAY_SECONDS = 3600;
export const TEXT_BACK_WINDOW_MS = 24 * 60 * 60_000;

export interface TextBackInput {
  enabled: boolean;
  delaySeconds?: number;
  text?: string;
  confirmBookings?: boolean;
}

/** The settings to store, or a ConvexError naming the field and why (never its value). */
export function checkTextBackSettings(input: TextBackInput) {
  const delaySeconds = input.delaySeconds ?? TEXT_BACK_DEFAULTS.delaySeconds;
  if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
    throw new ConvexError(`delaySeconds must be a whole number from 0 to ${MAX_DELAY_SECONDS}`);
  }
  let text: string | undefined;
  if (input.text !== undefined) {
    text = input.text.trim();
    if (!text) throw new ConvexError("text is empty");
    if (text.length > MAX_TEXT_CHARS) throw new ConvexError(`text must be at most ${MAX_TEXT_CHARS} characters`);
  }
  return { enabled: input.enabled, delaySeconds, text, confirmBookings: input.confirmBookings ?? TEXT_BACK_DEFAULTS.confirmBookings };
}

export async function textBackSettings(ctx: QueryCtx, agencyId: Id<"agencies">): Promise<Doc<"textBackSettings"> | null> {
  return await ctx.db
    .query("textBackSettings")
    .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
    .unique();
}

export async function saveTextBackSettings(ctx: MutationCtx, agencyId: Id<"agencies">, input: TextBackInput): Promise<Id<"textBackSettings">> {
  const agency = await ctx.db.get("agencies", agencyId);
  if (!agency) throw new ConvexError("agencyId does not name an agency");
  const settings = { ...checkTextBackSettings(input), updatedAt: Date.now() };
  const existing = await textBackSettings(ctx, agencyId);
  logEvent("text_back.configured", { agencyId, enabled: settings.enabled, delaySeconds: settings.delaySeconds, confirmBookings: settings.confirmBookings });
  if (existing) {
    await ctx.db.replace("textBackSettings", existing._id, { agencyId, ...settings });
    return existing._id;
  }
  return await ctx.db.insert("textBackSettings", { agencyId, ...settings });
}

export interface MissedCall {
  agency: Doc<"agencies">;
  /** E.164. */
  callerPhone: string;
  vapiCallId: string;
  opportunityId?: Id<"opportunities">;
  callId?: Id<"calls">;
}

/** Holds the caller's text for the agency's delay; once per Vapi call however often it is reported missed. */
export async function noteMissedCall(ctx: MutationCtx, missed: MissedCall): Promise<void> {
  const settings = await textBackSettings(ctx, missed.agency._id);
  if (!settings?.enabled) return;
  const sendAt = Date.now() + settings.delaySeconds * 1000;
  const text = await holdText(
    ctx,
    {
      key: textKey.missedCall(missed.vapiCallId),
      agencyId: missed.agency._id,
      purpose: "missed_call",
      to: missed.callerPhone,
      body: settings.text ?? defaultTextBack(missed.agency),
      opportunityId: missed.opportunityId,
      callId: missed.callId,
    },
    sendAt,
  );
  if (!text) return;
  await ctx.scheduler.runAt(sendAt, internal.texts.sendTextBack, { textId: text._id });
  logEvent("text_back.scheduled", { textId: text._id, agencyId: missed.agency._id, callId: missed.callId, delaySeconds: settings.delaySeconds });
}

/** An inbound call's end-of-call report: a missed call holds a text-back. */
export async function afterInboundReport(
  ctx: MutationCtx,
  call: Doc<"calls">,
  report: { endedReason?: string; durationSeconds?: number; startedAt?: number; endedAt?: number; messages: { role: string; text: string }[] },
): Promise<void> {
  if (call.direction !== "inbound" || !call.vapiCallId) return;
  if (!isMissedInbound({ ...report, callerTurns: countCallerTurns(report.messages) })) return;
  const agency = await ctx.db.get("agencies", call.agencyId);
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (!agency || !opportunity) return;
  await noteMissedCall(ctx, { agency, callerPhone: opportunity.phone, vapiCallId: call.vapiCallId, opportunityId: opportunity._id, callId: call._id });
}

/**
 * Our assistant-request answer was an error (Vapi spoke it and hung up): the
 * caller never reached the assistant. The call row the failed answer would
 * have written does not exist, so the agency and caller come from the numbers.
 */
export async function afterFailedAnswer(
  ctx: MutationCtx,
  request: { vapiCallId: string; calledNumber?: string; callerNumber?: string },
): Promise<void> {
  const calledNumber = e164OrNull(request.calledNumber);
  const callerPhone = e164OrNull(request.callerNumber);
  if (!calledNumber || !callerPhone) return;
  const agency = await ctx.db
    .query("agencies")
    .withIndex("by_inbound_number", (q) => q.eq("inboundPhoneNumber", calledNumber))
    .first();
  if (!agency) return;
  const opportunity = await ctx.db
    .query("opportunities")
    .withIndex("by_agency_and_phone", (q) => q.eq("agencyId", agency._id).eq("phone", callerPhone))
    .order("desc")
    .first();
  await noteMissedCall(ctx, { agency, callerPhone, vapiCallId: request.vapiCallId, opportunityId: opportunity?._id });
}

/** Calls of one prospect after a missed one are few: a bounded read. */
const MAX_LATER_CALLS = 50;

/** A call after the missed one in which the caller talked to us (or is talking now). */
async function talkedSince(ctx: QueryCtx, text: Doc<"texts">): Promise<boolean> {
  if (!text.opportunityId) return false;
  const missed = text.callId && (await ctx.db.get("calls", text.callId));
  const after = missed ? missed._creationTime : text.createdAt;
  const calls = await ctx.db
    .query("calls")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", text.opportunityId!))
    .order("desc")
    .take(MAX_LATER_CALLS);
  return calls.some((c) => {
    if (c._id === text.callId || c._creationTime <= after) return false;
    if (c.status === "in-progress" || c.status === "forwarding") return true;
    if (c.reportReceivedAt === undefined) return false;
    // Calls reported before callerTurns was stored: a connected outcome is the best word.
    return c.callerTurns !== undefined ? c.callerTurns > 0 : isConnectedOutcome(c.outcome);
  });
}

/** Whether the agency already texted this caller back in the last 24 hours. */
async function textedRecently(ctx: QueryCtx, text: Doc<"texts">, now: number): Promise<boolean> {
  const recent = await ctx.db
    .query("texts")
    .withIndex("by_agency_to_purpose_and_queued", (q) =>
      q.eq("agencyId", text.agencyId).eq("to", text.to).eq("purpose", "missed_call").gt("queuedAt", now - TEXT_BACK_WINDOW_MS),
    )
    .first();
  return recent !== null;
}

/** The delay is over: send the text-back, or record why not. A text already settled is left alone. */
export async function sendDueTextBack(ctx: MutationCtx, textId: Id<"texts">): Promise<void> {
  const text = await ctx.db.get("texts", textId);
  if (!text || text.status !== "scheduled") return;
  const settings = await textBackSettings(ctx, text.agencyId);
  if (!settings?.enabled) return await skipText(ctx, text, "text-back turned off");
  if (await talkedSince(ctx, text)) return await skipText(ctx, text, "the caller called back and talked to us");
  if (await textedRecently(ctx, text, Date.now())) return await skipText(ctx, text, "already texted back within 24 hours");
  await dispatchText(ctx, text);
}

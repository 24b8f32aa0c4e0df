/**
 * The staff callback flow inside transactions: a message is taken (once per call),
 * a staff call scheduled inside the hours rules and the daily cap, each attempt
 * settled once, a retry or the fallback (email + open call_back task) after it.
 * The dial itself is staffCalls.placeStaffCall (one action, exactly once per attempt),
 * started by the pacing gate (model/calls/dialGate.ts) once the attempt is due and a
 * line is free; the line is given back when the staff call ends (settle).
 */
import { DateTime } from "luxon";
import { v, type Infer } from "convex/values";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { rulesFor } from "../agency";
import { MINUTE } from "../scheduling/availability";
import { hearingZone } from "../scheduling/prospectZone";
import { enqueue } from "../outbox/ledger";
import { outboxKey } from "../outbox/messages";
import { openTask } from "../tasks";
import { logEvent } from "../log";
import { agencySender, queueText, textKey } from "../texts/ledger";
import { fallbackText } from "./fallback";
import { staffCallDueAt } from "./timing";
import { isRetryable, LIVE, needsFallback, SETTLED, type AttemptOutcome, type AttemptStatus } from "./outcomes";
import { enqueueDial, holdsLine, releaseLine, requeueDial, withdrawDial, type DialSubject } from "../calls/dialGate";
import { backoffMs, CONCURRENCY_REQUEUE } from "../retryPolicy";

/** A dial job may fire a moment early (timer rounding): that is not a call outside the hours. */
const DUE_TOLERANCE_MS = MINUTE;
/** Another staff call of the agency is live: look again this much later. */
export const BUSY_WAIT_MS = MINUTE;
/** A live staff call with no word from Vapi for this long (lost report) no longer holds the line. */
const STALE_LIVE_MS = 20 * MINUTE;
/** Vapi ends the staff call after this: reading a message and a transfer fit well inside. */
export const STAFF_CALL_MAX_SECONDS = 300;

type Message = Doc<"staffMessages">;
type Attempt = Doc<"callbackAttempts">;

export async function settingsOf(ctx: QueryCtx, agencyId: Id<"agencies">) {
  return await ctx.db
    .query("callbackSettings")
    .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
    .unique();
}

export interface NewStaffMessage {
  call: Doc<"calls">;
  source: Message["source"];
  text: string;
  urgent: boolean;
  customerName: string;
  customerPhone: string;
}

/** Stores the message (at most one per call: a re-run analysis adds nothing) and starts its callback flow. */
export async function takeStaffMessage(ctx: MutationCtx, m: NewStaffMessage): Promise<Id<"staffMessages">> {
  const existing = await ctx.db
    .query("staffMessages")
    .withIndex("by_call", (q) => q.eq("callId", m.call._id))
    .first();
  if (existing) return existing._id;
  const now = Date.now();
  const id = await ctx.db.insert("staffMessages", {
    agencyId: m.call.agencyId,
    opportunityId: m.call.opportunityId,
    callId: m.call._id,
    text: m.text,
    urgent: m.urgent,
    status: "taken",
    source: m.source,
    customerName: m.customerName,
    customerPhone: m.customerPhone,
    updatedAt: now,
  });
  logEvent("callback.message_taken", { staffMessageId: id, callId: m.call._id, source: m.source, urgent: m.urgent });
  await startCallback(ctx, (await ctx.db.get("staffMessages", id))!);
  return id;
}

async function leaveTaken(ctx: MutationCtx, message: Message, reason: string) {
  await ctx.db.patch("staffMessages", message._id, { status: "taken", reason, updatedAt: Date.now() });
  logEvent("callback.not_started", { staffMessageId: message._id, reason });
}

/** The first moment a staff call for this message may ring, from `at`. */
function dueAt(agency: Doc<"agencies">, settings: Doc<"callbackSettings">, urgent: boolean, at: number): number {
  return staffCallDueAt(at, {
    urgent,
    windows: rulesFor(agency).windows,
    agencyZone: agency.timeZone,
    staffZone: hearingZone({ phone: settings.staffPhone }, agency.timeZone),
  });
}

/**
 * Counts one callback against the agency's daily cap (the local date the staff
 * call is due, agency zone): false when the cap is reached. A counter row per
 * agency and day, read and written in the caller's transaction, so two messages
 * at once cannot both take the last place.
 */
async function takeDailyPlace(ctx: MutationCtx, agency: Doc<"agencies">, settings: Doc<"callbackSettings">, at: number): Promise<boolean> {
  const day = DateTime.fromMillis(at, { zone: agency.timeZone }).toISODate()!;
  const row = await ctx.db
    .query("callbackDays")
    .withIndex("by_agency_and_day", (q) => q.eq("agencyId", agency._id).eq("day", day))
    .unique();
  const count = row?.count ?? 0;
  if (count >= settings.maxCallbacksPerDay) return false;
  if (row) await ctx.db.patch("callbackDays", row._id, { count: count + 1 });
  else await ctx.db.insert("callbackDays", { agencyId: agency._id, day, count: 1 });
  return true;
}

/** The one callback flow of a message: its first staff call, or why there is none. */
async function startCallback(ctx: MutationCtx, message: Message): Promise<void> {
  const agency = await ctx.db.get("agencies", message.agencyId);
  const opportunity = await ctx.db.get("opportunities", message.opportunityId);
  const settings = await settingsOf(ctx, message.agencyId);
  if (!agency || !opportunity) return await leaveTaken(ctx, message, "agency or opportunity not found");
  if (!settings?.enabled) return await leaveTaken(ctx, message, "staff callbacks are off");
  if (opportunity.doNotCall) return await leaveTaken(ctx, message, "the caller opted out of calls");
  const due = dueAt(agency, settings, message.urgent, Date.now());
  if (!(await takeDailyPlace(ctx, agency, settings, due))) {
    return await sendFallback(ctx, message, `the daily limit of ${settings.maxCallbacksPerDay} staff callbacks is reached`);
  }
  await scheduleAttempt(ctx, message, settings, 1, due);
}

async function scheduleAttempt(
  ctx: MutationCtx,
  message: Message,
  settings: Doc<"callbackSettings">,
  attemptNumber: number,
  due: number,
): Promise<Id<"callbackAttempts">> {
  const now = Date.now();
  const attemptId = await ctx.db.insert("callbackAttempts", {
    agencyId: message.agencyId,
    staffMessageId: message._id,
    attemptNumber,
    staffPhone: settings.staffPhone,
    customerPhone: message.customerPhone,
    status: "scheduled",
    dueAt: due,
    updatedAt: now,
  });
  await enqueueDial(ctx, gateSubject(attemptId), { dueAt: due });
  await ctx.db.patch("staffMessages", message._id, { status: "calling", updatedAt: now });
  logEvent("callback.scheduled", { staffMessageId: message._id, attemptId, attemptNumber, waits: due > now });
  return attemptId;
}

function gateSubject(attemptId: Id<"callbackAttempts">): DialSubject {
  return { kind: "callbackAttempt", attemptId };
}

/** The agency's staff call on the line now (other than `except`), ignoring ones silent too long (lost reports). */
/** Settled outcomes whose staff call may still be on the line (staff talking to the caller after a transfer). */
const SETTLED_BUT_ON_THE_LINE: readonly AttemptStatus[] = ["connected", "connect_failed"];

async function liveStaffCall(ctx: QueryCtx, agencyId: Id<"agencies">, except: Id<"callbackAttempts">, now: number) {
  for (const status of [...LIVE, ...SETTLED_BUT_ON_THE_LINE]) {
    const rows = await ctx.db
      .query("callbackAttempts")
      .withIndex("by_agency_and_status", (q) => q.eq("agencyId", agencyId).eq("status", status))
      // Newest first: settled statuses keep every past attempt, and a live one is among the latest.
      .order("desc")
      .take(10);
    for (const a of rows) {
      if (a._id === except || now - a.updatedAt >= STALE_LIVE_MS) continue;
      // A settled attempt is live while its call still holds its pacing line (released when the call ends).
      if (LIVE.includes(a.status) || (await holdsLine(ctx, a._id))) return a;
    }
  }
  return null;
}

/** What the dial needs: claimAttempt's answer to placeStaffCall. */
export const staffCallDialPlan = v.object({
  attemptId: v.id("callbackAttempts"),
  staffMessageId: v.id("staffMessages"),
  agencyId: v.id("agencies"),
  agencyName: v.string(),
  staffPhone: v.string(),
  customerName: v.string(),
  customerPhone: v.string(),
  message: v.string(),
  urgent: v.boolean(),
});
export type StaffCallPlan = Infer<typeof staffCallDialPlan>;

/**
 * Claims a scheduled attempt for dialling, exactly once (only "scheduled" moves
 * to "dialing"). Waits instead when it is outside the hours or another staff call
 * of the agency is live; gives up to the fallback when callbacks were turned off.
 */
export async function claimAttempt(ctx: MutationCtx, attemptId: Id<"callbackAttempts">): Promise<StaffCallPlan | null> {
  const attempt = await ctx.db.get("callbackAttempts", attemptId);
  if (attempt?.status !== "scheduled") return null;
  // Every staff call goes through the pacing gate: one that arrives without a line (a job from before the gate) queues for one.
  if (!(await holdsLine(ctx, attemptId))) {
    await enqueueDial(ctx, gateSubject(attemptId), { dueAt: Date.now() });
    return null;
  }
  const message = await ctx.db.get("staffMessages", attempt.staffMessageId);
  const agency = await ctx.db.get("agencies", attempt.agencyId);
  const settings = await settingsOf(ctx, attempt.agencyId);
  const now = Date.now();
  if (!message || !agency) {
    // Nothing left to call about, or nobody to call for: the attempt ends here and gives its line back.
    if (message) await leaveTaken(ctx, message, "agency not found");
    await settle(ctx, attempt, "failed", { failure: { message: "the message or its agency is gone" } });
    return null;
  }
  const opportunity = await ctx.db.get("opportunities", message.opportunityId);
  if (message.status === "calling" && (!opportunity || opportunity.doNotCall)) {
    // Opted out since the message: nobody is put through to them, and no task asks a person to call.
    await leaveTaken(ctx, message, "the caller opted out of calls");
    await settle(ctx, attempt, "failed", { failure: { message: "the caller opted out before the staff call" } });
    return null;
  }
  if (message.status !== "calling" || !settings?.enabled) {
    await settle(ctx, attempt, "failed", { failure: { message: "callbacks turned off or message settled before the call" } });
    return null;
  }
  const due = dueAt(agency, settings, message.urgent, now);
  const live = due - now > DUE_TOLERANCE_MS ? null : await liveStaffCall(ctx, agency._id, attemptId, now);
  if (due - now > DUE_TOLERANCE_MS || live) {
    const next = live ? now + BUSY_WAIT_MS : due;
    await requeueDial(ctx, attemptId, gateSubject(attemptId), next);
    await ctx.db.patch("callbackAttempts", attemptId, { dueAt: next, updatedAt: now });
    logEvent("callback.deferred", { attemptId, reason: live ? "another staff call is live" : "outside hours", otherAttemptId: live?._id });
    return null;
  }
  await ctx.db.patch("callbackAttempts", attemptId, { status: "dialing", updatedAt: now });
  return {
    attemptId,
    staffMessageId: message._id,
    agencyId: agency._id,
    agencyName: agency.name,
    staffPhone: attempt.staffPhone,
    customerName: message.customerName,
    customerPhone: message.customerPhone,
    message: message.text,
    urgent: message.urgent,
  };
}

/**
 * Vapi refused the staff call for concurrency (a 429 on the create, or the call
 * ended with the concurrency reason): it waits at the gate again after a backoff,
 * never failed. The refused Vapi call id is kept so its late messages change nothing.
 * False when there is nothing to requeue (a repeat, or the attempt moved on).
 */
export async function requeueRefusedAttempt(ctx: MutationCtx, attempt: Attempt, refusedVapiCallId?: string): Promise<boolean> {
  if (attempt.status !== "dialing") return false;
  const now = Date.now();
  const refusals = (attempt.concurrencyRefusals ?? 0) + 1;
  const due = now + (backoffMs(CONCURRENCY_REQUEUE, refusals) ?? CONCURRENCY_REQUEUE.maxDelayMs);
  await ctx.db.patch("callbackAttempts", attempt._id, {
    status: "scheduled",
    vapiCallId: undefined,
    controlUrl: undefined,
    refusedVapiCallId: refusedVapiCallId ?? attempt.refusedVapiCallId,
    concurrencyRefusals: refusals,
    dueAt: due,
    updatedAt: now,
  });
  await requeueDial(ctx, attempt._id, gateSubject(attempt._id), due);
  logEvent("callback.requeued", { attemptId: attempt._id, reason: "vapi concurrency limit", refusals, dueAt: due });
  return true;
}

type SettleFields = Partial<Pick<Attempt, "cost" | "endedReason" | "answeredAt" | "connectedAt" | "failure">>;

/**
 * Settles an attempt once: the first outcome stands (a later report only adds its
 * cost and reason), then the message moves on: connected, heard, retried, or the fallback.
 * `callOver: false` when the outcome is known while the Vapi call goes on (a transfer
 * that connected, or one that failed while staff are still on the line): the call keeps
 * its pacing line until its end (the report, a status-update `ended`, checkStaffCall).
 */
export async function settle(
  ctx: MutationCtx,
  attempt: Attempt,
  outcome: AttemptOutcome,
  fields: SettleFields = {},
  { callOver = true }: { callOver?: boolean } = {},
): Promise<void> {
  const now = Date.now();
  if (SETTLED.has(attempt.status as AttemptStatus)) {
    const { cost, endedReason } = fields;
    if (cost !== undefined || endedReason !== undefined) await ctx.db.patch("callbackAttempts", attempt._id, { cost, endedReason, updatedAt: now });
    if (callOver) await releaseLine(ctx, attempt._id);
    return;
  }
  const connectedAt = outcome === "connected" ? (fields.connectedAt ?? attempt.connectingAt ?? now) : undefined;
  await ctx.db.patch("callbackAttempts", attempt._id, { ...fields, status: outcome, connectedAt, updatedAt: now });
  // Settled: it no longer waits for a line; a call that is over gives its line to the next dial.
  await withdrawDial(ctx, attempt._id);
  if (callOver) await releaseLine(ctx, attempt._id);
  logEvent("callback.attempt_settled", { attemptId: attempt._id, attemptNumber: attempt.attemptNumber, outcome });
  const message = await ctx.db.get("staffMessages", attempt.staffMessageId);
  if (!message || message.status !== "calling") return;
  if (outcome === "connected") {
    await ctx.db.patch("staffMessages", message._id, { status: "connected", connectedAt, updatedAt: now });
    await closeCallBackTasks(ctx, message);
    return;
  }
  if (outcome === "delivered" || outcome === "declined") {
    await ctx.db.patch("staffMessages", message._id, { status: outcome, updatedAt: now });
    return;
  }
  const settings = await settingsOf(ctx, message.agencyId);
  const agency = await ctx.db.get("agencies", message.agencyId);
  const retriesLeft = !!settings?.enabled && attempt.attemptNumber <= settings.maxAttempts;
  if (isRetryable(outcome) && retriesLeft && settings && agency) {
    const due = dueAt(agency, settings, message.urgent, now + settings.retryDelayMinutes * MINUTE);
    await scheduleAttempt(ctx, message, settings, attempt.attemptNumber + 1, due);
    return;
  }
  if (needsFallback(outcome, retriesLeft)) {
    await sendFallback(ctx, message, `staff call ${attempt.attemptNumber} ended ${outcome}`);
  }
}

/** Connected: the caller has been called back, so the call_back task of their call is done. */
async function closeCallBackTasks(ctx: MutationCtx, message: Message) {
  const tasks = await ctx.db
    .query("tasks")
    .withIndex("by_call", (q) => q.eq("callId", message.callId))
    .take(20);
  for (const task of tasks) {
    if (task.type === "call_back" && task.status === "open") await ctx.db.patch("tasks", task._id, { status: "done" });
  }
}

/**
 * The message reaches the agency another way, once: an email through the outbox
 * (its key makes a second queueing send nothing), a text to the staff phone when
 * the agency can text, and an open call_back task.
 */
/** The fallback text to the staff phone, when the agency can text (Twilio and a sending number); its key sends it once. */
async function textStaffPhone(ctx: MutationCtx, message: Message): Promise<void> {
  const settings = await settingsOf(ctx, message.agencyId);
  const agency = await ctx.db.get("agencies", message.agencyId);
  if (!settings || !agency) return;
  const sender = await agencySender(ctx, agency);
  if (!("from" in sender)) {
    logEvent("callback.fallback_text_skipped", { staffMessageId: message._id, reason: sender.missing });
    return;
  }
  await queueText(ctx, {
    key: textKey.staff(`callback_fallback:${message._id}`),
    agencyId: message.agencyId,
    purpose: "staff",
    to: settings.staffPhone,
    body: fallbackText(message),
    opportunityId: message.opportunityId,
    callId: message.callId,
  });
}

export async function sendFallback(ctx: MutationCtx, message: Message, reason: string): Promise<void> {
  if (message.fallbackAt !== undefined) return;
  const now = Date.now();
  await enqueue(ctx, {
    key: outboxKey.callbackFallback(message._id),
    agencyId: message.agencyId,
    channel: "email",
    message: { kind: "callback_fallback", staffMessageId: message._id },
  });
  await textStaffPhone(ctx, message);
  await openTask(
    ctx,
    {
      agencyId: message.agencyId,
      opportunityId: message.opportunityId,
      callId: message.callId,
      type: "call_back",
      reason: `call the caller back: ${reason}; their message was emailed to the agency`,
      details: { callbackPhone: message.customerPhone, numberValid: true },
    },
    { perOpportunity: true },
  );
  await ctx.db.patch("staffMessages", message._id, { status: "fallback", fallbackAt: now, reason, updatedAt: now });
  logEvent("callback.fallback", { staffMessageId: message._id, reason: reason.split(":")[0] });
}

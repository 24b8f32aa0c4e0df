/**
 * The AI's calls to staff with a caller's message (issue 12): the one dial
 * (placeStaffCall, exactly once per attempt), and what Vapi tells us about each
 * call (webhook: model/callbacks/webhook.ts). The flow's rules live in model/callbacks/.
 */
import { v } from "convex/values";
import { VapiClient } from "@vapi-ai/server-sdk";
import { internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import { claimAttempt, requeueRefusedAttempt, settle, STAFF_CALL_MAX_SECONDS, staffCallDialPlan } from "./model/callbacks/flow";
import { staffReportFields } from "./model/callbacks/webhook";
import { vapiCallObject } from "./model/providers/vapiMessages";
import { MINUTE } from "./model/scheduling/availability";
import { claimConnect, findAttempt, ONLY_CONNECT_ERROR, recordTransferFailure, TRANSFER_FAILED_ERROR } from "./model/callbacks/connect";
import { staffCallRequest } from "./model/callbacks/dial";
import { isNoAnswerEnding, LIVE, staffCallOutcome, transferResult } from "./model/callbacks/outcomes";
import { CONNECT_TO_CUSTOMER } from "./model/calls/tools";
import { requiredEnv, vapiFailure } from "./model/providers/vapiErrors";
import { logEvent } from "./model/log";
import { isConcurrencyRefusal } from "./model/calls/refusals";
import { holdsLine, releaseLine } from "./model/calls/dialGate";
import { recordStaffCallUsage } from "./model/usage";

/** Vapi ends a staff call by STAFF_CALL_MAX_SECONDS and reports seconds later: after this the report is lost. */
const REPORT_CHECK_AFTER_MS = STAFF_CALL_MAX_SECONDS * 1000 + 5 * MINUTE;
const REPORT_CHECK_AGAIN_MS = 5 * MINUTE;
const MAX_REPORT_CHECKS = 3;

/**
 * Places one staff call. Every staff call goes through here, started by the pacing
 * gate (model/calls/dialGate.ts): claimStaffCall refuses an attempt without a line.
 * Exactly once: claimStaffCall lets one run through per attempt, and the SDK's own
 * retries are off because a retried create can dial twice.
 */
export const placeStaffCall = internalAction({
  args: { attemptId: v.id("callbackAttempts") },
  returns: v.null(),
  handler: async (ctx, { attemptId }) => {
    const plan = await ctx.runMutation(internal.staffCalls.claimStaffCall, { attemptId });
    if (!plan) return null;
    try {
      const client = new VapiClient({ token: requiredEnv("VAPI_API_KEY") });
      const created = await client.calls.create(
        staffCallRequest(plan, { assistantId: requiredEnv("VAPI_CALLBACK_ASSISTANT_ID"), phoneNumberId: requiredEnv("VAPI_PHONE_NUMBER_ID") }),
        { maxRetries: 0, timeoutInSeconds: 30 },
      );
      if (!("id" in created) || typeof created.id !== "string") throw new Error("Vapi reply has no call id");
      const controlUrl = "monitor" in created ? created.monitor?.controlUrl : undefined;
      await ctx.runMutation(internal.staffCalls.recordStaffDialed, { attemptId, vapiCallId: created.id, controlUrl });
    } catch (e) {
      await ctx.runMutation(internal.staffCalls.recordStaffDialFailure, { attemptId, ...vapiFailure(e) });
    }
    return null;
  },
});

export const claimStaffCall = internalMutation({
  args: { attemptId: v.id("callbackAttempts") },
  returns: v.union(v.null(), staffCallDialPlan),
  handler: async (ctx, { attemptId }) => await claimAttempt(ctx, attemptId),
});

/** The staff call exists at Vapi; its report is checked for once the call must have ended (Vapi sends webhooks once). */
export const recordStaffDialed = internalMutation({
  args: { attemptId: v.id("callbackAttempts"), vapiCallId: v.string(), controlUrl: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { attemptId, vapiCallId, controlUrl }) => {
    const attempt = await ctx.db.get("callbackAttempts", attemptId);
    // Refused and queued again before the create returned: this Vapi call is not the attempt's.
    if (!attempt || attempt.status === "scheduled" || attempt.refusedVapiCallId === vapiCallId || (attempt.vapiCallId ?? vapiCallId) !== vapiCallId) {
      logEvent("callback.dialed_ignored", { attemptId, vapiCallId });
      return null;
    }
    await ctx.db.patch("callbackAttempts", attemptId, { vapiCallId, controlUrl, updatedAt: Date.now() });
    await ctx.scheduler.runAfter(REPORT_CHECK_AFTER_MS, internal.staffCalls.checkStaffCall, { attemptId, round: 1 });
    logEvent("callback.dialed", { attemptId, vapiCallId });
    return null;
  },
});

export const liveAttempt = internalQuery({
  args: { attemptId: v.id("callbackAttempts") },
  returns: v.union(v.null(), v.object({ vapiCallId: v.string() })),
  handler: async (ctx, { attemptId }) => {
    const attempt = await ctx.db.get("callbackAttempts", attemptId);
    if (!attempt?.vapiCallId) return null;
    // Settled while the call went on (a connected transfer): still live while it holds its line.
    if (!(LIVE as readonly string[]).includes(attempt.status) && !(await holdsLine(ctx, attemptId))) return null;
    return { vapiCallId: attempt.vapiCallId };
  },
});

/**
 * A staff call still open when it must have ended lost its report: Vapi's call
 * object settles it through the report's own path. Still live: looked at again,
 * a few times; Vapi unreachable or silent to the end: the attempt failed and the
 * message goes the fallback way, never left waiting.
 */
export const checkStaffCall = internalAction({
  args: { attemptId: v.id("callbackAttempts"), round: v.number() },
  returns: v.null(),
  handler: async (ctx, { attemptId, round }) => {
    const live = await ctx.runQuery(internal.staffCalls.liveAttempt, { attemptId });
    if (!live) return null;
    let failure: string;
    try {
      const client = new VapiClient({ token: requiredEnv("VAPI_API_KEY") });
      const raw = await client.calls.get({ id: live.vapiCallId }, { maxRetries: 0, timeoutInSeconds: 15 });
      const parsed = vapiCallObject.safeParse(raw);
      if (parsed.success && parsed.data.status === "ended") {
        const analysis = (raw as { analysis?: unknown }).analysis;
        await ctx.runMutation(internal.staffCalls.applyStaffReport, { attemptId, ...staffReportFields(parsed.data, analysis, raw) });
        return null;
      }
      failure = parsed.success ? "Vapi still shows the staff call live" : "Vapi's call object did not parse";
    } catch (e) {
      failure = vapiFailure(e).message;
    }
    if (round < MAX_REPORT_CHECKS) {
      await ctx.scheduler.runAfter(REPORT_CHECK_AGAIN_MS, internal.staffCalls.checkStaffCall, { attemptId, round: round + 1 });
    } else {
      await ctx.runMutation(internal.staffCalls.recordStaffDialFailure, { attemptId, message: `no report: ${failure}` });
    }
    return null;
  },
});

/**
 * Vapi refused the staff call: for concurrency it waits at the gate again;
 * otherwise the attempt failed and the message goes the fallback way.
 */
export const recordStaffDialFailure = internalMutation({
  args: { attemptId: v.id("callbackAttempts"), statusCode: v.optional(v.number()), message: v.string() },
  returns: v.null(),
  handler: async (ctx, { attemptId, statusCode, message }) => {
    const attempt = await ctx.db.get("callbackAttempts", attemptId);
    if (!attempt) return null;
    if (isConcurrencyRefusal({ statusCode, message }) && (await requeueRefusedAttempt(ctx, attempt))) return null;
    await settle(ctx, attempt, "failed", { failure: { statusCode, message: message.slice(0, 300) } });
    logEvent("callback.dial_failed", { attemptId, statusCode });
    return null;
  },
});

const attemptRef = { attemptId: v.optional(v.string()), vapiCallId: v.optional(v.string()) };
/** Transfer statuses in order; "unknown" where Vapi gave none. */
const transferStatusList = v.array(v.string());

/** The end-of-call report of a staff call: its outcome and cost, settled once. */
export const applyStaffReport = internalMutation({
  args: {
    ...attemptRef,
    endedReason: v.optional(v.string()),
    cost: v.optional(v.number()),
    durationSeconds: v.optional(v.number()),
    startedAt: v.optional(v.number()),
    transferStatuses: transferStatusList,
    staffTurns: v.number(),
    declined: v.boolean(),
  },
  returns: v.union(v.literal("applied"), v.literal("unknown_call")),
  handler: async (ctx, { attemptId, vapiCallId, endedReason, cost, durationSeconds, startedAt, transferStatuses, staffTurns, declined }) => {
    const attempt = await findAttempt(ctx, { attemptId, vapiCallId });
    if (!attempt) {
      logEvent("callback.report_unknown", { vapiCallId });
      return "unknown_call";
    }
    if (isConcurrencyRefusal({ endedReason }) && (await requeueRefusedAttempt(ctx, attempt, vapiCallId ?? attempt.vapiCallId))) {
      return "applied";
    }
    // Billing: every connected minute of a staff call and its cost, once however often the report comes.
    await recordStaffCallUsage(ctx.db, attempt, { durationSeconds, cost, startedAt });
    const outcome = staffCallOutcome({ endedReason, transferStatuses, staffTurns, connectRequested: attempt.status === "connecting", declined });
    await settle(ctx, attempt, outcome, {
      endedReason,
      cost,
      answeredAt: staffTurns > 0 ? (attempt.answeredAt ?? startedAt ?? Date.now()) : undefined,
    });
    logEvent("callback.report", { attemptId: attempt._id, outcome, transfers: transferStatuses.length });
    return "applied";
  },
});

/** A status-update `ended`: the line is free; an unanswered ending settles the attempt at once (the report may never come), others wait for it. */
export const applyStaffStatus = internalMutation({
  args: { ...attemptRef, status: v.string(), endedReason: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { attemptId, vapiCallId, status, endedReason }) => {
    const attempt = await findAttempt(ctx, { attemptId, vapiCallId });
    if (!attempt || status !== "ended") return null;
    if (attempt.status === "dialing" && isNoAnswerEnding(endedReason)) await settle(ctx, attempt, "no_answer", { endedReason });
    // The call is over whatever its outcome: its line goes to the next dial (a refused dial is queued again by its report).
    else if (attempt.status !== "scheduled") await releaseLine(ctx, attempt._id);
    return null;
  },
});

/** transfer-update (when the assistant lists it): a transfer that reached the caller is a connection now. */
export const applyTransferUpdate = internalMutation({
  args: { ...attemptRef, transferStatuses: transferStatusList },
  returns: v.null(),
  handler: async (ctx, { attemptId, vapiCallId, transferStatuses }) => {
    const attempt = await findAttempt(ctx, { attemptId, vapiCallId });
    if (!attempt) return null;
    // Staff and caller are still talking on the Vapi call: it keeps its line until it ends.
    if (transferResult(transferStatuses) === "connected") await settle(ctx, attempt, "connected", { connectedAt: Date.now() }, { callOver: false });
    return null;
  },
});

const toolResult = v.object({ toolCallId: v.string(), result: v.optional(v.string()), error: v.optional(v.string()) });

/**
 * The tool calls of a staff call, in one transaction, each answered once (the
 * toolCalls ledger, keyed by tool call id and attempt): the first
 * connect_to_customer claims the connection and returns the transfer to post.
 */
export const answerStaffTools = internalMutation({
  args: { ...attemptRef, controlUrl: v.optional(v.string()), toolCalls: v.array(v.object({ toolCallId: v.string(), name: v.string() })) },
  returns: v.object({
    results: v.array(toolResult),
    transfer: v.optional(
      v.object({
        attemptId: v.id("callbackAttempts"),
        toolCallId: v.string(),
        controlUrl: v.optional(v.string()),
        number: v.string(),
        callerId: v.optional(v.string()),
      }),
    ),
  }),
  handler: async (ctx, { attemptId, vapiCallId, controlUrl, toolCalls }) => {
    const attempt = await findAttempt(ctx, { attemptId, vapiCallId });
    const results = [];
    let transfer;
    for (const { toolCallId, name } of toolCalls) {
      const previous = await ctx.db
        .query("toolCalls")
        .withIndex("by_tool_call_id_and_call", (q) => q.eq("toolCallId", toolCallId).eq("callId", undefined))
        .take(10);
      const replay = previous.find((row) => attempt && row.callbackAttemptId === attempt._id);
      if (replay) {
        results.push({ toolCallId, result: replay.result, error: replay.error });
        continue;
      }
      let answer: { result?: string; error?: string };
      if (!attempt) answer = { error: "This staff call is unknown to Atlas; nobody was connected." };
      else if (name !== CONNECT_TO_CUSTOMER) answer = { error: ONLY_CONNECT_ERROR };
      else {
        // Re-read: an earlier tool call of this message may have claimed it.
        const claim = await claimConnect(ctx, (await ctx.db.get("callbackAttempts", attempt._id))!, controlUrl);
        answer = claim.ok ? { result: claim.result } : { error: claim.error };
        if (claim.ok && claim.post && !transfer) transfer = { attemptId: attempt._id, toolCallId, controlUrl: claim.controlUrl, ...claim.destination };
      }
      await ctx.db.insert("toolCalls", { toolCallId, name: name.slice(0, 60), callbackAttemptId: attempt?._id, ...answer });
      results.push({ toolCallId, ...answer });
    }
    logEvent("callback.tools_answered", { attemptId: attempt?._id, count: toolCalls.length, transfer: !!transfer });
    return { results, transfer };
  },
});

/** The transfer was not accepted: the tool's answer becomes the failure (a replay hears it too), the message falls back. */
export const recordTransferFailed = internalMutation({
  args: { attemptId: v.id("callbackAttempts"), toolCallId: v.optional(v.string()), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { attemptId, toolCallId, reason }) => {
    if (toolCallId) {
      const rows = await ctx.db
        .query("toolCalls")
        .withIndex("by_tool_call_id_and_call", (q) => q.eq("toolCallId", toolCallId).eq("callId", undefined))
        .take(10);
      const row = rows.find((r) => r.callbackAttemptId === attemptId);
      if (row) await ctx.db.patch("toolCalls", row._id, { result: undefined, error: TRANSFER_FAILED_ERROR });
    }
    await recordTransferFailure(ctx, attemptId, reason);
    logEvent("callback.transfer_failed", { attemptId });
    return null;
  },
});

/** Vapi's transferCall asks where to: the caller's number, claimed as the connection (Vapi posts the transfer itself). */
export const claimTransferDestination = internalMutation({
  args: attemptRef,
  returns: v.union(
    v.object({ ok: v.literal(true), number: v.string(), callerId: v.optional(v.string()) }),
    v.object({ ok: v.literal(false), error: v.string() }),
  ),
  handler: async (ctx, ref) => {
    const attempt = await findAttempt(ctx, ref);
    if (!attempt) return { ok: false as const, error: "This staff call is unknown to Atlas; nobody can be connected." };
    const claim = await claimConnect(ctx, attempt, undefined);
    return claim.ok ? { ok: true as const, ...claim.destination } : claim;
  },
});

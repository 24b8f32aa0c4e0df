/**
 * No call left behind. Vapi sends each webhook once and never retries, so a
 * lost status-update or end-of-call report would leave a call open forever.
 * Every few minutes this asks Vapi for calls that should have ended and
 * applies what it says through the webhook's own path (calls.finalizeReport),
 * which applies a report exactly once whichever arrives first.
 */
import { v, type Infer } from "convex/values";
import { VapiClient, VapiError } from "@vapi-ai/server-sdk";
import { internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { MINUTE } from "./model/scheduling/availability";
import { normaliseReport, vapiCallObject } from "./model/providers/vapiMessages";
import { openTask } from "./model/tasks";
import { isRetryable } from "./model/retryPolicy";
import { logEvent } from "./model/log";
import { releaseLine, requeueDial, staleLines } from "./model/calls/dialGate";
import { holderStatus } from "./model/calls/dialGrant";

/** Vapi's default maxDurationSeconds; Atlas does not raise it. */
export const MAX_CALL_MS = 600 * 1000;
/** A live call untouched this long past the maximum duration has lost its messages. */
export const OVERDUE_MARGIN_MS = 5 * MINUTE;
/** Vapi sends the report seconds after the call ends; after this it is not coming. */
export const REPORT_GRACE_MS = 5 * MINUTE;
export const BATCH_SIZE = 25;
/** Longer than the whole analysis retry chain: an analysis still pending after this lost its action. */
export const ANALYSIS_STUCK_MS = 60 * MINUTE;
/** Requests to Vapi in flight at once. */
const CONCURRENCY = 5;
/** After this many failed checks a call waits a full overdue window between checks, and a person is told. */
export const FAILURES_BEFORE_BACKOFF = 3;

const LIVE_STATUSES = ["queued", "ringing", "in-progress", "forwarding"] as const;

const overdueCall = v.object({
  callId: v.id("calls"),
  vapiCallId: v.optional(v.string()),
  status: v.string(),
});

/** The oldest calls that should have ended: live past the maximum duration, or ended with no report. */
export const overdueCalls = internalQuery({
  args: { now: v.number(), limit: v.number() },
  returns: v.array(overdueCall),
  handler: async (ctx, { now, limit }) => {
    const found: Doc<"calls">[] = [];
    for (const status of LIVE_STATUSES) {
      found.push(
        ...(await ctx.db
          .query("calls")
          .withIndex("by_status_and_updated", (q) =>
            q.eq("status", status).lt("updatedAt", now - MAX_CALL_MS - OVERDUE_MARGIN_MS),
          )
          .take(limit)),
      );
    }
    found.push(
      ...(await ctx.db
        .query("calls")
        .withIndex("by_status_report_and_updated", (q) =>
          q.eq("status", "ended").eq("reportReceivedAt", undefined).lt("updatedAt", now - REPORT_GRACE_MS),
        )
        .take(limit)),
    );
    return found
      .sort((a, b) => a.updatedAt - b.updatedAt)
      .slice(0, limit)
      .map((c) => ({ callId: c._id, vapiCallId: c.vapiCallId, status: c.status }));
  },
});

/** Vapi says the call is still going: look again one overdue window from now, and let others through first. */
export const recordStillLive = internalMutation({
  args: { callId: v.id("calls") },
  returns: v.null(),
  handler: async (ctx, { callId }) => {
    await ctx.db.patch("calls", callId, { updatedAt: Date.now() });
    return null;
  },
});

/**
 * Analyses whose action died (not a Groq failure: those are recorded) would stay
 * pending forever and keep the prospect "in flight". They are started again.
 */
export const restartStuckAnalyses = internalMutation({
  args: { now: v.number(), limit: v.number() },
  returns: v.number(),
  handler: async (ctx, { now, limit }) => {
    let restarted = 0;
    for (const status of ["scheduled", "retrying"] as const) {
      const stuck = await ctx.db
        .query("calls")
        .withIndex("by_analysis_status_and_updated", (q) =>
          q.eq("analysisStatus", status).lt("updatedAt", now - ANALYSIS_STUCK_MS),
        )
        .take(limit);
      for (const call of stuck) {
        await ctx.db.patch("calls", call._id, { analysisStatus: "scheduled", updatedAt: now });
        await ctx.scheduler.runAfter(0, internal.ai.processCallTranscript, { callId: call._id });
        logEvent("reconcile.analysis_restarted", { callId: call._id, was: status });
        restarted++;
      }
    }
    return restarted;
  },
});

/** Longer than any call holds a line: Vapi ends every call at maxDurationSeconds (MAX_CALL_MS). */
export const LINE_STUCK_MS = MAX_CALL_MS + OVERDUE_MARGIN_MS;

/**
 * Pacing lines whose call's end never arrived (no status-update, no report, the
 * reconciler's own checks failing) are given back: no call can still be live on
 * them. A call still waiting to dial lost its dial action, and queues again.
 */
export const releaseStuckLines = internalMutation({
  args: { now: v.number(), limit: v.number() },
  returns: v.number(),
  handler: async (ctx, { now, limit }) => {
    const stuck = await staleLines(ctx, now - LINE_STUCK_MS, limit);
    for (const line of stuck) {
      const status = await holderStatus(ctx, line.holder);
      // Granted but never dialled: it waits for a line again; otherwise its end was lost.
      if (status === "scheduled") await requeueDial(ctx, line.holder, line.subject, now);
      else await releaseLine(ctx, line.holder);
      logEvent("reconcile.line_released", { holder: line.holder, status, heldMs: now - line.heldSince });
    }
    return stuck.length;
  },
});

/** A call that never got a Vapi id (the dial crashed between claim and create): it failed. */
export const markDialLost = internalMutation({
  args: { callId: v.id("calls") },
  returns: v.boolean(),
  handler: async (ctx, { callId }) => {
    const call = await ctx.db.get("calls", callId);
    if (!call || call.vapiCallId || !(LIVE_STATUSES as readonly string[]).includes(call.status)) return false;
    await ctx.db.patch("calls", callId, {
      status: "failed",
      outcome: call.outcome ?? "failed",
      failure: { message: "the dial never reported a Vapi call id" },
      updatedAt: Date.now(),
    });
    logEvent("reconcile.dial_lost", { callId });
    return true;
  },
});

/**
 * Vapi did not answer for this call. The next run asks again; after a few
 * failures, or at once when the failure is not one that passes (model/retryPolicy.ts),
 * the call moves to the back of the queue (so it cannot crowd out the batch)
 * and a person gets a review task.
 */
export const recordCheckFailure = internalMutation({
  args: { callId: v.id("calls"), statusCode: v.optional(v.number()) },
  returns: v.null(),
  handler: async (ctx, { callId, statusCode }) => {
    const call = await ctx.db.get("calls", callId);
    if (!call) return null;
    const failures = (call.reconcileFailures ?? 0) + 1;
    // An answer that asking again will not change (a refused key, a call Vapi does not know; model/retryPolicy.ts)
    // needs a person now, not after FAILURES_BEFORE_BACKOFF runs.
    const lasting = statusCode !== undefined && !isRetryable({ status: statusCode });
    const backOff = lasting || failures >= FAILURES_BEFORE_BACKOFF;
    await ctx.db.patch("calls", callId, { reconcileFailures: failures, ...(backOff ? { updatedAt: Date.now() } : {}) });
    if (lasting || failures === FAILURES_BEFORE_BACKOFF) {
      // openTask reuses the call's open review task, so a person is told once.
      await openTask(ctx, {
        agencyId: call.agencyId,
        opportunityId: call.opportunityId,
        callId,
        type: "review",
        reason: `call ${callId} never reported its end and Vapi did not return it ${failures} times (last status ${statusCode ?? "none"}${lasting ? ", which asking again will not change" : ""}); still retrying`,
      });
    }
    logEvent("reconcile.check_failed", { callId, statusCode, failures });
    return null;
  },
});

type Fetched = { kind: "ended"; body: ReturnType<typeof normaliseReport> } | { kind: "live" } | { kind: "error"; statusCode?: number };

async function fetchFromVapi(client: VapiClient, vapiCallId: string): Promise<Fetched> {
  try {
    // No SDK retries: a failed check is simply asked again on the next run.
    const raw = await client.calls.get({ id: vapiCallId }, { maxRetries: 0, timeoutInSeconds: 15 });
    const parsed = vapiCallObject.safeParse(raw);
    if (!parsed.success) return { kind: "error" };
    if (parsed.data.status !== "ended") return { kind: "live" };
    return { kind: "ended", body: normaliseReport(parsed.data) };
  } catch (e) {
    return { kind: "error", statusCode: e instanceof VapiError ? e.statusCode : undefined };
  }
}

const runCounts = v.object({
  due: v.number(),
  applied: v.number(),
  duplicate: v.number(),
  stillLive: v.number(),
  errors: v.number(),
  dialLost: v.number(),
  analysesRestarted: v.number(),
  linesReleased: v.number(),
});

/** The cron (crons.ts): one bounded batch per run, counts logged. */
export const run = internalAction({
  args: {},
  returns: runCounts,
  handler: async (ctx): Promise<Infer<typeof runCounts>> => {
    const due: Infer<typeof overdueCall>[] = await ctx.runQuery(internal.reconcile.overdueCalls, { now: Date.now(), limit: BATCH_SIZE });
    const counts = { due: due.length, applied: 0, duplicate: 0, stillLive: 0, errors: 0, dialLost: 0, analysesRestarted: 0, linesReleased: 0 };
    const token = process.env.VAPI_API_KEY;
    const client = token ? new VapiClient({ token }) : null;
    const withVapiId: { callId: Id<"calls">; vapiCallId: string }[] = [];
    for (const c of due) {
      if (c.vapiCallId) withVapiId.push({ callId: c.callId, vapiCallId: c.vapiCallId });
      else if (await ctx.runMutation(internal.reconcile.markDialLost, { callId: c.callId })) counts.dialLost++;
    }
    for (let i = 0; i < withVapiId.length; i += CONCURRENCY) {
      const chunk = withVapiId.slice(i, i + CONCURRENCY);
      const fetched = await Promise.all(
        chunk.map((c): Promise<Fetched> => (client ? fetchFromVapi(client, c.vapiCallId) : Promise.resolve({ kind: "error" }))),
      );
      // Requests in parallel, writes one at a time.
      for (const [j, c] of chunk.entries()) {
        const f = fetched[j];
        if (f.kind === "live") {
          counts.stillLive++;
          await ctx.runMutation(internal.reconcile.recordStillLive, { callId: c.callId });
        } else if (f.kind === "error") {
          counts.errors++;
          await ctx.runMutation(internal.reconcile.recordCheckFailure, { callId: c.callId, statusCode: f.statusCode });
        } else {
          const result = await ctx.runMutation(internal.calls.finalizeReport, {
            vapiCallId: c.vapiCallId,
            callId: c.callId,
            report: f.body,
          });
          if (result === "applied") counts.applied++;
          else if (result === "duplicate") counts.duplicate++;
          else counts.errors++;
        }
      }
    }
    counts.analysesRestarted = await ctx.runMutation(internal.reconcile.restartStuckAnalyses, {
      now: Date.now(),
      limit: BATCH_SIZE,
    });
    counts.linesReleased = await ctx.runMutation(internal.reconcile.releaseStuckLines, { now: Date.now(), limit: BATCH_SIZE });
    // The gate's safety net: a wake-up lost with a failed pump is made good within one run.
    await ctx.runMutation(internal.dialGate.pump, {});
    logEvent("reconcile.run", { ...counts, apiKeySet: client !== null });
    return counts;
  },
});

import { ConvexError, v } from "convex/values";
import Groq from "groq-sdk";
import { internalAction, internalQuery, type MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import type { Doc, Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { loadSchedule } from "./availability";
import { loadTranscript, prospectZone, recordOptOut } from "./calls";
import { finalizeCallBooking } from "./meetings";
import { freeSlots } from "./model/availability";
import {
  ANALYSIS_RETRY_DELAYS_MS,
  ANALYSIS_VERSION,
  buildAnalysisMessages,
  decide,
  DEFAULT_GROQ_MODEL,
  DEFAULT_MIN_CONFIDENCE,
  InvalidReplyError,
  isTriviallyShort,
  MAX_ANALYSIS_ATTEMPTS,
  parseAnalysisReply,
  type AnalysisReply,
  type Decision,
} from "./model/analysis";
import { openTask } from "./model/tasks";
import { notify } from "./notifications";
import type { NotificationEvent } from "./model/notifications";
import { effectiveProcess, planPostCall } from "./model/processes";
import { carryOutPlan } from "./processes";
import { analysisStatus, bookingProcess, transcriptMessage } from "./schema";
import { logEvent } from "./model/log";

/** A staff notification about a call's prospect: names only, never what was said. */
async function notifyAbout(ctx: MutationCtx, call: Doc<"calls">, event: NotificationEvent, what: string) {
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  await notify(ctx, {
    agencyId: call.agencyId,
    opportunityId: call.opportunityId,
    callId: call._id,
    event,
    text: `${opportunity?.name ?? "A prospect"} ${what}`,
  });
}

const ANALYSIS_FAILED = "analysis_failed";

/** A re-run that succeeded settles the "analysis failed" task of an earlier run. */
async function closeAnalysisFailureTasks(ctx: MutationCtx, callId: Id<"calls">) {
  const tasks = await ctx.db
    .query("tasks")
    .withIndex("by_call", (q) => q.eq("callId", callId))
    .collect();
  for (const task of tasks) {
    if (task.status === "open" && (task.details as { kind?: string } | undefined)?.kind === ANALYSIS_FAILED) {
      await ctx.db.patch("tasks", task._id, { status: "done" });
    }
  }
}


/** Everything the analysis needs, read in one consistent snapshot. The grid is rebuilt now. */
export const loadAnalysisInput = internalQuery({
  args: { callId: v.id("calls") },
  returns: v.union(
    v.null(),
    v.object({
      now: v.number(),
      agencyZone: v.string(),
      prospectZone: v.string(),
      meetingDurationMinutes: v.number(),
      slotIntervalMinutes: v.number(),
      offeredSlotsISO: v.array(v.string()),
      freeSlots: v.array(v.number()),
      messages: v.array(transcriptMessage),
      bookingProcess,
      qualificationQuestions: v.array(v.string()),
      analysisStatus: v.optional(analysisStatus),
    }),
  ),
  handler: async (ctx, { callId }) => {
    const call = await ctx.db.get("calls", callId);
    if (!call) return null;
    const agency = await ctx.db.get("agencies", call.agencyId);
    const opportunity = await ctx.db.get("opportunities", call.opportunityId);
    if (!agency || !opportunity) return null;
    const now = Date.now();
    const schedule = await loadSchedule(ctx, agency, now);
    // A meeting this call booked live must still count as free here, or the analysis
    // could not confirm the very time the call booked. Nothing else can start at it.
    const busy = schedule.busy.filter((m) => !(call.meetingId && m.start === call.meetingTime));
    const messages = await loadTranscript(ctx, callId);
    return {
      now,
      agencyZone: agency.timeZone,
      prospectZone: prospectZone(agency, opportunity),
      meetingDurationMinutes: agency.meetingDurationMinutes,
      slotIntervalMinutes: agency.slotIntervalMinutes,
      offeredSlotsISO: call.offeredSlotsISO,
      freeSlots: freeSlots(schedule.rules, now, busy),
      messages: messages.map((m) => ({ role: m.role as "assistant" | "user" | "tool", text: m.text, secondsFromStart: m.secondsFromStart })),
      bookingProcess: effectiveProcess(agency, opportunity, call),
      qualificationQuestions: agency.qualificationQuestions ?? [],
      analysisStatus: call.analysisStatus,
    };
  },
});

function minConfidence(): number {
  const configured = Number(process.env.BOOKING_MIN_CONFIDENCE);
  return Number.isFinite(configured) && configured > 0 && configured <= 1 ? configured : DEFAULT_MIN_CONFIDENCE;
}

/** Groq failures worth another attempt: overload, rate limits, timeouts, bad JSON. */
function isRetryable(e: unknown): boolean {
  if (e instanceof InvalidReplyError) return true;
  if (e instanceof Groq.APIConnectionError) return true; // includes timeouts
  if (e instanceof Groq.APIError) return e.status === 429 || (e.status ?? 0) >= 500;
  return false;
}

function errorSummary(e: unknown): string {
  if (e instanceof Groq.APIError && e.status) return `Groq HTTP ${e.status}`;
  if (e instanceof Groq.APIConnectionTimeoutError) return "Groq timed out";
  if (e instanceof Groq.APIConnectionError) return "Groq unreachable";
  if (e instanceof Error) return e.message.slice(0, 200);
  return "unknown error";
}

/**
 * A scheduled retry (attempt 2+) is only wanted while its call is still waiting
 * for it: a re-run by hand may have settled the analysis meanwhile.
 */
function isSupersededRetry(attempt: number, status: Doc<"calls">["analysisStatus"]): boolean {
  return attempt > 1 && status !== "retrying";
}

/**
 * Reads the transcript and decides the call's result. Scheduled once per call by
 * the end-of-call report; staff may run it again by hand (the transcript is kept).
 */
export const processCallTranscript = internalAction({
  args: { callId: v.id("calls"), attempt: v.optional(v.number()) },
  returns: v.null(),
  handler: async (ctx, { callId, attempt = 1 }) => {
    const input = await ctx.runQuery(internal.ai.loadAnalysisInput, { callId });
    if (!input) throw new ConvexError(`call ${callId} not found`);
    if (isSupersededRetry(attempt, input.analysisStatus)) {
      logEvent("analysis.retry_superseded", { callId, attempt, analysisStatus: input.analysisStatus });
      return null;
    }
    if (isTriviallyShort(input.messages)) {
      await ctx.runMutation(internal.ai.recordAnalysisSkipped, { callId, reason: "transcript empty or too short" });
      return null;
    }
    const model = process.env.GROQ_MODEL || DEFAULT_GROQ_MODEL;
    try {
      const apiKey = process.env.GROQ_API_KEY;
      if (!apiKey) throw new Error("GROQ_API_KEY is not set");
      // Built here, not at module load, so fetch is resolved at call time; retries are ours (scheduled, durable).
      const groq = new Groq({ apiKey, maxRetries: 0, timeout: 20_000, fetch: (...a) => globalThis.fetch(...a) });
      const completion = await groq.chat.completions.create({
        model,
        temperature: 0,
        response_format: { type: "json_object" },
        messages: buildAnalysisMessages(input),
      });
      const reply = parseAnalysisReply(completion.choices[0]?.message?.content);
      const decision = decide(reply, input, minConfidence());
      await ctx.runMutation(internal.ai.applyAnalysis, {
        callId,
        attempt,
        reply,
        decision,
        model,
        usage: {
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
        },
      });
    } catch (e) {
      const retry = isRetryable(e) && attempt < MAX_ANALYSIS_ATTEMPTS;
      await ctx.runMutation(internal.ai.recordAnalysisFailure, { callId, attempt, error: errorSummary(e), retry });
    }
    return null;
  },
});

const decisionValidator = v.union(
  v.object({ action: v.literal("book"), slotStart: v.number(), slotIso: v.string(), reason: v.string() }),
  v.object({ action: v.literal("reject"), reason: v.string() }),
  v.object({ action: v.literal("review"), reason: v.string() }),
  v.object({ action: v.literal("clarify"), reason: v.string(), suggestedSlots: v.array(v.number()) }),
  v.object({ action: v.literal("follow_up"), reason: v.string() }),
);

/**
 * Writes the analysis and acts on it in one transaction: book, reject or ask a
 * person, then the booking process's follow-up (answers, tasks, emails, links).
 */
export const applyAnalysis = internalMutation({
  args: {
    callId: v.id("calls"),
    /** Which attempt of this analysis run succeeded (1 unless Groq failed before). */
    attempt: v.optional(v.number()),
    reply: v.any(),
    decision: decisionValidator,
    model: v.string(),
    usage: v.object({ promptTokens: v.number(), completionTokens: v.number() }),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const call = await ctx.db.get("calls", args.callId);
    if (!call) return null;
    await closeAnalysisFailureTasks(ctx, call._id);
    const reply = args.reply as AnalysisReply;
    let decision: Decision = args.decision;
    let outcomeReason = decision.reason;
    const before = await ctx.db.get("opportunities", call.opportunityId);
    if (call.meetingId && decision.action === "book" && decision.slotStart !== call.meetingTime) {
      // Booked live during the call, yet the transcript ends on another time: a person decides.
      decision = { action: "review", reason: "booked during the call, but the prospect may have changed the time" };
    } else if (call.meetingId && decision.action === "reject") {
      // A rejection must not close an opportunity whose meeting stands: a person decides.
      decision = { action: "review", reason: "booked during the call, but the prospect may have declined it" };
    } else if (before?.status === "Booked" && decision.action === "reject") {
      // Booked by an earlier call: a later "no thanks" may be about anything else; the meeting stands.
      decision = { action: "review", reason: "the prospect has a booked meeting, but may have declined it on this call" };
    } else if (call.meetingId && decision.action === "clarify") {
      // Booked live, yet other times came up: no "pick a time" email to someone who has one; a person decides.
      decision = { action: "review", reason: `booked during the call, but the prospect proposed other times: ${decision.reason}` };
    }
    const task = { agencyId: call.agencyId, opportunityId: call.opportunityId, callId: call._id };
    if (decision.action === "book" && !call.meetingId) {
      const result = await finalizeCallBooking(ctx, call._id, decision.slotIso, "ai_call");
      if (result.status === "not_booked") outcomeReason = result.reason ?? "booking refused";
    } else if (decision.action === "reject") {
      await ctx.db.patch("opportunities", call.opportunityId, { status: "Rejected" });
      await ctx.db.patch("calls", call._id, { outcome: "rejected" });
      await notifyAbout(ctx, call, "rejected", "declined a meeting");
    } else if (decision.action === "review") {
      await openTask(ctx, { ...task, type: "review", reason: decision.reason });
      // They wanted to meet but Atlas could not book it on its own: a person should follow up now.
      // Not when a meeting already stands (booked on the line or earlier): that lead has its time.
      const hasMeeting = call.meetingId !== undefined || before?.status === "Booked";
      if (reply.meetingBooked && !hasMeeting) {
        await notifyAbout(ctx, call, "positive_lead", "wants a meeting; needs a person to confirm the time");
      }
    }
    const agency = await ctx.db.get("agencies", call.agencyId);
    const opportunity = await ctx.db.get("opportunities", call.opportunityId);
    if (agency && opportunity) {
      const process = effectiveProcess(agency, opportunity, call);
      await carryOutPlan(ctx, call, planPostCall({ process, reply, decision, opportunity, agencyZone: agency.timeZone }));
    }
    // After the decision: a prospect may accept a time and still ask not to be called again.
    if (reply.optOut === true) await recordOptOut(ctx, call.opportunityId);
    await ctx.db.patch("calls", call._id, {
      analysisStatus: "done",
      analysisAttempts: args.attempt ?? 1,
      bookingAnalysis: {
        reply,
        model: args.model,
        analysisVersion: ANALYSIS_VERSION,
        usage: args.usage,
        decision: decision.action,
        reason: outcomeReason,
        analyzedAt: Date.now(),
      },
      updatedAt: Date.now(),
    });
    logEvent("analysis.applied", { callId: call._id, decision: decision.action, confidence: reply.confidence });
    return null;
  },
});

export const recordAnalysisFailure = internalMutation({
  args: { callId: v.id("calls"), attempt: v.number(), error: v.string(), retry: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { callId, attempt, error, retry }) => {
    const call = await ctx.db.get("calls", callId);
    if (!call) return null;
    // A retry that lost the race to a re-run by hand must not undo its result.
    if (isSupersededRetry(attempt, call.analysisStatus)) {
      logEvent("analysis.retry_superseded", { callId, attempt, analysisStatus: call.analysisStatus });
      return null;
    }
    if (retry) {
      const delay = ANALYSIS_RETRY_DELAYS_MS[attempt - 1] ?? ANALYSIS_RETRY_DELAYS_MS.at(-1)!;
      await ctx.scheduler.runAfter(delay, internal.ai.processCallTranscript, { callId, attempt: attempt + 1 });
    } else {
      await openTask(ctx, {
        agencyId: call.agencyId,
        opportunityId: call.opportunityId,
        callId,
        type: "review",
        reason: `analysis failed after ${attempt} attempt(s): ${error}; the transcript is kept, run ai.processCallTranscript again`,
        details: { kind: ANALYSIS_FAILED },
      });
      await notifyAbout(ctx, call, "analysis_failed", "call could not be analysed; a review task is open");
    }
    await ctx.db.patch("calls", callId, {
      analysisStatus: retry ? "retrying" : "failed",
      analysisAttempts: attempt,
      bookingAnalysis: { error, analysisVersion: ANALYSIS_VERSION, failedAt: Date.now() },
      updatedAt: Date.now(),
    });
    logEvent("analysis.failed", { callId, attempt, retry, error });
    return null;
  },
});

export const recordAnalysisSkipped = internalMutation({
  args: { callId: v.id("calls"), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { callId, reason }) => {
    await ctx.db.patch("calls", callId, {
      analysisStatus: "skipped",
      bookingAnalysis: { decision: "skipped", reason, analysisVersion: ANALYSIS_VERSION },
      updatedAt: Date.now(),
    });
    logEvent("analysis.skipped", { callId, reason });
    return null;
  },
});

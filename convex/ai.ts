import { ConvexError, v } from "convex/values";
import { internalAction, internalQuery, type MutationCtx, type QueryCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import type { Doc, Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { loadSchedule } from "./model/scheduling/schedule";
import { cancelWaitingAttempts, recordOptOut } from "./model/calls/attempts";
import { loadTranscript } from "./model/calls/lookup";
import { prospectZone } from "./model/calls/offer";
import { finalizeCallBooking } from "./model/booking/finalizeCallBooking";
import { evaluateSlot, freeSlots } from "./model/scheduling/availability";
import {
  ANALYSIS_REPLY_SCHEMA,
  ANALYSIS_VERSION,
  DEFAULT_MIN_CONFIDENCE,
  InvalidReplyError,
  MAX_ANALYSIS_ATTEMPTS,
  parseAnalysisReply,
  type AnalysisReply,
  type Decision,
} from "./model/analysis/reply";
import { decide } from "./model/analysis/decide";
import { buildAnalysisMessages, isTriviallyShort, summariseGrid } from "./model/analysis/messages";
import { completionRequest, createCompletion, groqFailure, groqModel, type GroqFailure } from "./model/providers/groq";
import { openTask } from "./model/tasks";
import { ANALYSIS_RETRY, backoffMs } from "./model/retryPolicy";
import { notify } from "./model/notifications/notify";
import type { NotificationEvent } from "./model/notifications/events";
import { effectiveProcess } from "./model/processes";
import { planPostCall } from "./model/processes/postCall";
import { carryOutPlan } from "./model/processes/carryOut";
import { analysisStatus, bookingProcess, offeredSlot, transcriptMessage } from "./schema";
import { offeredSlotsOf } from "./model/scheduling/wallClock";
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


/**
 * Everything the model needs, read in one consistent snapshot: the offered slots
 * by id and a capped summary of the free grid (never the grid itself: a week-long
 * 5-minute grid over 60 days is more than a Convex array may hold). Whatever the
 * model answers is checked against the meetings again when it is applied.
 */
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
      offeredSlots: v.array(offeredSlot),
      gridSummary: v.string(),
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
    const schedule = await callSchedule(ctx, call, agency, now);
    const messages = await loadTranscript(ctx, callId);
    return {
      now,
      agencyZone: agency.timeZone,
      prospectZone: prospectZone(agency, opportunity),
      meetingDurationMinutes: agency.meetingDurationMinutes,
      slotIntervalMinutes: agency.slotIntervalMinutes,
      offeredSlots: offeredSlotsOf(call),
      gridSummary: summariseGrid(freeSlots(schedule.rules, now, schedule.busy), agency.timeZone, agency.slotIntervalMinutes),
      messages: messages.map((m) => ({ role: m.role as "assistant" | "user" | "tool", text: m.text, secondsFromStart: m.secondsFromStart })),
      bookingProcess: effectiveProcess(agency, opportunity, call),
      qualificationQuestions: agency.qualificationQuestions ?? [],
      analysisStatus: call.analysisStatus,
    };
  },
});

/**
 * The agency's schedule as this call's analysis sees it. A meeting this call booked
 * live must still count as free here, or the analysis could not confirm the very
 * time the call booked. Nothing else can start at it.
 */
async function callSchedule(ctx: QueryCtx, call: Doc<"calls">, agency: Doc<"agencies">, now: number) {
  const schedule = await loadSchedule(ctx, agency, now);
  return { ...schedule, busy: schedule.busy.filter((m) => !(call.meetingId && m.start === call.meetingTime)) };
}

/** The reply decided against the meetings as they are now, in the transaction that acts on it. */
async function decideNow(ctx: MutationCtx, call: Doc<"calls">, reply: AnalysisReply): Promise<Decision> {
  const agency = await ctx.db.get("agencies", call.agencyId);
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (!agency || !opportunity) return { action: "review", reason: "the call has lost its agency or opportunity" };
  const now = Date.now();
  const { rules, busy } = await callSchedule(ctx, call, agency, now);
  const offeredSlots = offeredSlotsOf(call);
  const messages = await loadTranscript(ctx, call._id);
  return decide(
    reply,
    {
      zones: { agencyZone: agency.timeZone, prospectZone: prospectZone(agency, opportunity) },
      offeredSlots,
      messages: messages.map((m) => ({ role: m.role as "assistant" | "user" | "tool", text: m.text })),
      bookingProcess: effectiveProcess(agency, opportunity, call),
      check: (start) => evaluateSlot(rules, start, now, busy, { offered: offeredSlots.some((s) => s.start === start) }),
      freeSlots: () => freeSlots(rules, now, busy),
    },
    minConfidence(),
  );
}

function minConfidence(): number {
  const configured = Number(process.env.BOOKING_MIN_CONFIDENCE);
  return Number.isFinite(configured) && configured > 0 && configured <= 1 ? configured : DEFAULT_MIN_CONFIDENCE;
}

/** Worth another attempt (overload, rate limits, timeouts, bad JSON), a model Groq does not serve, or final. */
function analysisFailure(e: unknown): GroqFailure {
  if (e instanceof InvalidReplyError) return { kind: "transient", summary: e.message };
  return groqFailure(e) ?? { kind: "final", summary: e instanceof Error ? e.message.slice(0, 200) : "unknown error" };
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
    const model = groqModel();
    try {
      // Loaded inside the try: an input that cannot be read is a recorded failure, never a call left "scheduled".
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
      const completion = await createCompletion(completionRequest(model, buildAnalysisMessages(input), ANALYSIS_REPLY_SCHEMA));
      const content = completion.choices[0]?.message?.content;
      // Parsed here so a reply that is not our JSON is a retryable failure; applyAnalysis parses the same text.
      parseAnalysisReply(content);
      await ctx.runMutation(internal.ai.applyAnalysis, {
        callId,
        attempt,
        replyJson: content ?? "",
        model,
        usage: {
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
        },
      });
    } catch (e) {
      const failure = analysisFailure(e);
      await ctx.runMutation(internal.ai.recordAnalysisFailure, {
        callId,
        attempt,
        error: failure.summary,
        retry: failure.kind === "transient" && attempt < MAX_ANALYSIS_ATTEMPTS,
        unavailableModel: failure.kind === "model_unavailable" ? model : undefined,
      });
    }
    return null;
  },
});

/** The reply applyAnalysis acts on; text that is not our JSON is refused naming the field. */
function readReply(replyJson: string): AnalysisReply {
  try {
    return parseAnalysisReply(replyJson);
  } catch (e) {
    if (e instanceof InvalidReplyError) throw new ConvexError(`replyJson: ${e.message}`);
    throw e;
  }
}

/**
 * Decides on the reply and acts on it in one transaction, against the meetings
 * as they are now: book, reject or ask a person, then the booking process's follow-up (answers, tasks, emails, links).
 */
export const applyAnalysis = internalMutation({
  args: {
    callId: v.id("calls"),
    /** Which attempt of this analysis run succeeded (1 unless Groq failed before). */
    attempt: v.optional(v.number()),
    /** The model's reply as it wrote it: parsed with the zod schema (model/analysis/reply.ts) inside. */
    replyJson: v.string(),
    model: v.string(),
    usage: v.object({ promptTokens: v.number(), completionTokens: v.number() }),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const call = await ctx.db.get("calls", args.callId);
    if (!call) return null;
    await closeAnalysisFailureTasks(ctx, call._id);
    const reply = readReply(args.replyJson);
    let decision = await decideNow(ctx, call, reply);
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
      // A retry waiting from an earlier status of this call must not ring someone who just said no.
      await cancelWaitingAttempts(ctx, call.opportunityId);
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

/**
 * A model Groq does not serve fails every analysis until GROQ_MODEL changes: staff
 * hear it once per model and UTC day, however many calls fail. The ledger row is
 * written only once a notification went out, so an agency with no route for
 * `analysis_failed` does not silence the alert for the others.
 */
async function alertModelUnavailable(ctx: MutationCtx, call: Doc<"calls">, model: string, error: string) {
  const now = Date.now();
  const day = new Date(now).toISOString().slice(0, 10);
  const alerted = await ctx.db
    .query("modelAlerts")
    .withIndex("by_model_and_day", (q) => q.eq("model", model).eq("day", day))
    .first();
  if (alerted) return;
  const sent = await notify(ctx, {
    agencyId: call.agencyId,
    opportunityId: call.opportunityId,
    callId: call._id,
    event: "analysis_failed",
    text: `Groq does not serve model ${model} (${error}): calls are not being analysed. Set GROQ_MODEL to a served model, then run the failed analyses again; their transcripts are kept.`,
  });
  if (sent.queued + sent.digested === 0) return;
  await ctx.db.insert("modelAlerts", { model, day, error, callId: call._id, createdAt: now });
  logEvent("analysis.model_unavailable_alerted", { callId: call._id, day });
}

export const recordAnalysisFailure = internalMutation({
  args: {
    callId: v.id("calls"),
    attempt: v.number(),
    error: v.string(),
    retry: v.boolean(),
    /** Set when Groq does not serve the model (not found, decommissioned): never retried, alerted once a day. */
    unavailableModel: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { callId, attempt, error, retry, unavailableModel }) => {
    const call = await ctx.db.get("calls", callId);
    if (!call) return null;
    // A retry that lost the race to a re-run by hand must not undo its result.
    if (isSupersededRetry(attempt, call.analysisStatus)) {
      logEvent("analysis.retry_superseded", { callId, attempt, analysisStatus: call.analysisStatus });
      return null;
    }
    if (retry) {
      // `retry` is only set while attempts remain, so the policy always has a wait here.
      const delay = backoffMs(ANALYSIS_RETRY, attempt) ?? ANALYSIS_RETRY.maxDelayMs;
      await ctx.scheduler.runAfter(delay, internal.ai.processCallTranscript, { callId, attempt: attempt + 1 });
    } else {
      await openTask(ctx, {
        agencyId: call.agencyId,
        opportunityId: call.opportunityId,
        callId,
        type: "review",
        reason: unavailableModel
          ? `analysis failed: ${error}, Groq does not serve model ${unavailableModel}; the transcript is kept, set GROQ_MODEL to a served model and run ai.processCallTranscript again`
          : `analysis failed after ${attempt} attempt(s): ${error}; the transcript is kept, run ai.processCallTranscript again`,
        details: { kind: ANALYSIS_FAILED },
      });
      if (unavailableModel) await alertModelUnavailable(ctx, call, unavailableModel, error);
      else await notifyAbout(ctx, call, "analysis_failed", "call could not be analysed; a review task is open");
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

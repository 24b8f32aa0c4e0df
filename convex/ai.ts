import { ConvexError, v } from "convex/values";
import { internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import { loadTranscript } from "./model/calls/lookup";
import { prospectZone } from "./model/calls/offer";
import { freeSlots } from "./model/scheduling/availability";
import { offeredSlotsOf } from "./model/scheduling/wallClock";
import {
  ANALYSIS_REPLY_SCHEMA,
  ANALYSIS_VERSION,
  InvalidReplyError,
  MAX_ANALYSIS_ATTEMPTS,
  parseAnalysisReply,
  type AnalysisReply,
} from "./model/analysis/reply";
import { buildAnalysisMessages, isTriviallyShort, summariseGrid } from "./model/analysis/messages";
import { applyReply, callSchedule, isSupersededRetry, recordFailure } from "./model/analysis/apply";
import { completionRequest, createCompletion, groqFailure, groqModel, type GroqFailure } from "./model/providers/groq";
import { effectiveProcess } from "./model/processes";
import { analysisStatus, bookingProcess, offeredSlot, transcriptMessage } from "./schema";
import { logEvent } from "./model/log";

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

/** Worth another attempt (overload, rate limits, timeouts, bad JSON), a model Groq does not serve, or final. */
function analysisFailure(e: unknown): GroqFailure {
  if (e instanceof InvalidReplyError) return { kind: "transient", summary: e.message };
  return groqFailure(e) ?? { kind: "final", summary: e instanceof Error ? e.message.slice(0, 200) : "unknown error" };
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
    await applyReply(ctx, args.callId, readReply(args.replyJson), args);
    return null;
  },
});

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
    await recordFailure(ctx, callId, { attempt, error, retry, unavailableModel });
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

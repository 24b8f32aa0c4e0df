/**
 * What a call keeps of its post-call analysis (calls.bookingAnalysis): the decision
 * and the model's reply as it wrote it, the error of a failed run, or why none ran.
 */
import { v, type Infer } from "convex/values";

/** Every `Decision["action"]` (model/analysis/reply.ts); the done writer's type keeps the two in step. */
const decisionAction = v.union(
  v.literal("book"),
  v.literal("reject"),
  v.literal("review"),
  v.literal("clarify"),
  v.literal("follow_up"),
);

export const analysisDone = v.object({
  /**
   * The model's reply as JSON, read with parseAnalysisReply; stored as text so a change to the
   * reply schema (named by analysisVersion) never invalidates stored calls.
   */
  replyJson: v.optional(v.string()),
  /**
   * @deprecated the reply as an object, written before replyJson (any earlier reply schema);
   * moved to replyJson by migrations.migrateCalls. Never written.
   */
  reply: v.optional(v.record(v.string(), v.any())),
  model: v.string(),
  analysisVersion: v.string(),
  usage: v.object({ promptTokens: v.number(), completionTokens: v.number() }),
  decision: decisionAction,
  reason: v.string(),
  analyzedAt: v.number(),
});

export const analysisFailed = v.object({ error: v.string(), analysisVersion: v.string(), failedAt: v.number() });

export const analysisSkipped = v.object({ decision: v.literal("skipped"), reason: v.string(), analysisVersion: v.string() });

export const bookingAnalysis = v.union(analysisDone, analysisFailed, analysisSkipped);
export type BookingAnalysis = Infer<typeof bookingAnalysis>;
export type AnalysisDone = Infer<typeof analysisDone>;
export type AnalysisFailed = Infer<typeof analysisFailed>;
export type AnalysisSkipped = Infer<typeof analysisSkipped>;

/** A done analysis written before replyJson, with its reply moved to replyJson; null when there is nothing to move. */
export function withReplyAsJson(analysis: BookingAnalysis | undefined): AnalysisDone | null {
  if (!analysis || !("reply" in analysis) || analysis.reply === undefined) return null;
  const { reply, ...rest } = analysis;
  return { ...rest, replyJson: rest.replyJson ?? JSON.stringify(reply) };
}

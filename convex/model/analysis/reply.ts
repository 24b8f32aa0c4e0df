/**
 * The post-call analysis reply: what the model must write (zod, from which the
 * strict JSON Schema is derived), how its content is parsed, and what a reply
 * comes to (a Decision). A leaf: processes and the decision rules build on it.
 */
import { z } from "zod";
import { ANALYSIS_RETRY } from "../retryPolicy";
import { nullsAsAbsent, strictJsonSchema, type JsonSchema } from "../providers/structuredOutput";

export const ANALYSIS_VERSION = "2026-11-29.2";
export const DEFAULT_MIN_CONFIDENCE = 0.7;
/** Attempts per analysis (model/retryPolicy.ts ANALYSIS_RETRY decides the waits between them). */
export const MAX_ANALYSIS_ATTEMPTS = ANALYSIS_RETRY.attempts;

const nullableString = z.string().nullish().transform((s) => s ?? null);

/**
 * A time as it was said: the date and wall-clock time, and whose clock (the server computes the instant).
 * Formats are checked where the instant is computed (model/scheduling/wallClock.ts): a malformed time is a reason to
 * review, not a reply to retry, and strict structured outputs do not constrain string patterns anyway.
 */
export const wallTimeAnswer = z.object({
  /** YYYY-MM-DD */
  date: z.string(),
  /** HH:mm, 24-hour */
  time: z.string(),
  zone: z.enum(["prospect", "agency"]),
});
export type WallTimeAnswer = z.infer<typeof wallTimeAnswer>;

export const analysisReply = z.object({
  meetingBooked: z.boolean(),
  /** The id of the offered slot agreed to ("S2"). */
  slotId: z.string().nullish(),
  /** An agreed time that was not offered, as said. */
  agreedTime: wallTimeAnswer.nullish(),
  /** Legacy: an ISO time whose offset is never trusted on its own (see model/scheduling/wallClock.ts). */
  slotIso: nullableString,
  confidence: z.number().min(0).max(1),
  reasoning: z.string().default(""),
  rejectionDetected: z.boolean().default(false),
  evidence: nullableString,
  // Optional extras (booking processes, opt-outs): a reply without them stays valid.
  /** Offered ids, times as said, or (legacy) ISO strings. */
  proposedTimes: z.array(z.union([z.string(), wallTimeAnswer])).optional(),
  callbackRequested: z.boolean().optional(),
  callbackPhone: z.string().nullish(),
  schedulerLink: z.string().nullish(),
  bookOnSchedulerLink: z.boolean().optional(),
  qualificationAnswers: z.array(z.object({ question: z.string(), answer: z.string() })).optional(),
  optOut: z.boolean().optional(),
  /** What the caller wants the business to know, in a sentence or two (model/callbacks/intake.ts). */
  messageForStaff: z.string().nullish(),
  /** The caller said it cannot wait (an emergency, a same-day deadline). */
  urgent: z.boolean().optional(),
});
export type AnalysisReply = z.infer<typeof analysisReply>;

/** The reply as JSON Schema, what the model may write (input side of defaults and transforms). */
const analysisReplyInput = z.toJSONSchema(analysisReply, { io: "input" }) as JsonSchema;
/** The schema the model is held to (structured outputs, strict mode): derived, never copied, from `analysisReply`. */
export const ANALYSIS_REPLY_SCHEMA = { name: "call_analysis", schema: strictJsonSchema(analysisReplyInput) };

export class InvalidReplyError extends Error {}

/** Model content -> reply; throws InvalidReplyError (retryable) when it is not the JSON we asked for. */
export function parseAnalysisReply(content: string | null | undefined): AnalysisReply {
  let raw: unknown;
  try {
    raw = JSON.parse(content ?? "");
  } catch {
    throw new InvalidReplyError("model reply is not JSON");
  }
  const parsed = analysisReply.safeParse(nullsAsAbsent(raw, analysisReplyInput));
  if (!parsed.success) {
    throw new InvalidReplyError(`model reply does not match the schema at ${parsed.error.issues[0]?.path.join(".")}`);
  }
  return parsed.data;
}

/** What a reply comes to once decided (model/analysis/decide.ts). */
export type Decision =
  | { action: "book"; slotStart: number; slotIso: string; reason: string }
  | { action: "reject"; reason: string }
  | { action: "review"; reason: string }
  /** Proposed times that cannot be booked: a person settles the time, the prospect gets the nearest free slots. */
  | { action: "clarify"; reason: string; suggestedSlots: number[] }
  /** Nothing to book by design (link sent, call-back asked, their own link): the process's follow-up does the rest. */
  | { action: "follow_up"; reason: string };

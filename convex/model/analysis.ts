/**
 * Post-call analysis: what we ask the model, how its reply is parsed, and the
 * rules that decide whether a reply may book. The model proposes; these checks
 * (grid, evidence in the prospect's own words, confidence) decide.
 */
import { DateTime } from "luxon";
import { z } from "zod";
import { parseIsoInstant, toZonedIso } from "./availability";
import { nowLine } from "./prompt";
import { DEFAULT_PROCESS, nearestFreeSlots, usableLink, type BookingProcess } from "./processes";
import { nullsAsAbsent, strictJsonSchema, type JsonSchema } from "./structuredOutput";
import type { TranscriptMessage } from "./vapiMessages";

export const ANALYSIS_VERSION = "2026-11-21.1";
export const DEFAULT_MIN_CONFIDENCE = 0.7;
export const MAX_ANALYSIS_ATTEMPTS = 4;
/** Backoff before attempt 2, 3, 4. */
export const ANALYSIS_RETRY_DELAYS_MS = [30_000, 120_000, 480_000];

const nullableString = z.string().nullish().transform((s) => s ?? null);

export const analysisReply = z.object({
  meetingBooked: z.boolean(),
  slotIso: nullableString,
  confidence: z.number().min(0).max(1),
  reasoning: z.string().default(""),
  rejectionDetected: z.boolean().default(false),
  evidence: nullableString,
  // Optional extras (booking processes, opt-outs): a reply without them stays valid.
  proposedTimes: z.array(z.string()).optional(),
  callbackRequested: z.boolean().optional(),
  callbackPhone: z.string().nullish(),
  schedulerLink: z.string().nullish(),
  bookOnSchedulerLink: z.boolean().optional(),
  qualificationAnswers: z.array(z.object({ question: z.string(), answer: z.string() })).optional(),
  optOut: z.boolean().optional(),
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

/** Lowercase, no punctuation, single spaces: how the model's quote is matched against what was said. */
export function normaliseForMatch(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The evidence (fragments split at ellipses) appears in the prospect's own lines. */
export function evidenceInProspectLines(evidence: string | null, messages: TranscriptMessage[]): boolean {
  if (!evidence) return false;
  const said = messages.filter((m) => m.role === "user").map((m) => normaliseForMatch(m.text));
  const fragments = evidence
    .split(/\.\.\.|…/)
    .map(normaliseForMatch)
    .filter((f) => f.length > 0);
  if (fragments.length === 0) return false;
  return fragments.every((f) => said.some((line) => ` ${line} `.includes(` ${f} `)));
}

/** Nothing worth a model call: no prospect words, or only a few characters of them. */
export function isTriviallyShort(messages: TranscriptMessage[]): boolean {
  const prospectChars = messages.filter((m) => m.role === "user").reduce((n, m) => n + m.text.trim().length, 0);
  return prospectChars < 8;
}

/** Free slots as compact per-day start ranges: "Tue 2026-11-24: 09:00-11:30, 14:00-16:30". */
export function summariseGrid(slots: number[], zone: string, intervalMinutes: number): string {
  const days = new Map<string, string[]>();
  let runStart: DateTime | null = null;
  let prev: DateTime | null = null;
  const flush = () => {
    if (!runStart || !prev) return;
    const key = runStart.toFormat("ccc yyyy-MM-dd");
    const text = runStart.equals(prev) ? runStart.toFormat("HH:mm") : `${runStart.toFormat("HH:mm")}-${prev.toFormat("HH:mm")}`;
    days.set(key, [...(days.get(key) ?? []), text]);
  };
  for (const ms of slots) {
    const t = DateTime.fromMillis(ms, { zone });
    const continues = prev && prev.hasSame(t, "day") && t.diff(prev, "minutes").minutes === intervalMinutes;
    if (!continues) {
      flush();
      runStart = t;
    }
    prev = t;
  }
  flush();
  return [...days].map(([day, runs]) => `${day}: ${runs.join(", ")}`).join("\n");
}

export interface AnalysisContext {
  now: number;
  agencyZone: string;
  prospectZone: string;
  meetingDurationMinutes: number;
  slotIntervalMinutes: number;
  offeredSlotsISO: string[];
  freeSlots: number[];
  messages: TranscriptMessage[];
  /** The process the call ran with (offer_times when absent). */
  bookingProcess?: BookingProcess;
  qualificationQuestions?: string[];
}

const SYSTEM_PROMPT = `You review a sales call transcript between Atlas (AI) and a prospect (User) and report, as one JSON object, whether the prospect clearly agreed to a specific meeting time.
Keys: meetingBooked (boolean), slotIso (ISO 8601 with offset of the agreed start, or null), confidence (0-1), reasoning (one sentence), rejectionDetected (boolean: the prospect clearly declined any meeting), evidence (the prospect's own words, quoted exactly from a User line, that show the agreement or refusal, or for proposedTimes the words naming them, or null), optOut (boolean: asked not to be called again), proposedTimes (start times the prospect suggested, most preferred first, as ISO 8601 with the offset of their zone on that date), callbackRequested (boolean: asked for a person to call them back), callbackPhone (the number they asked to be called on, or null for the number we called), schedulerLink (URL of the prospect's own scheduling page, or null), bookOnSchedulerLink (boolean: they asked us to book on that link), qualificationAnswers ([{question, answer}] for the qualification questions listed, in the prospect's words).
Rules: meetingBooked is true only when the prospect agreed to one exact start time that is among the free start times listed. Resolve weekdays and relative dates from "now" in the zones given. If the prospect hesitated, changed their mind without settling, or the time is unclear, meetingBooked is false.`;

export function buildAnalysisMessages(c: AnalysisContext): { role: "system" | "user"; content: string }[] {
  const transcript = c.messages
    .filter((m) => m.role !== "tool")
    .map((m) => `${m.role === "user" ? "User" : "AI"}: ${m.text}`)
    .join("\n");
  const context = [
    `Now: ${nowLine(c.now, c.agencyZone)}.`,
    c.prospectZone !== c.agencyZone ? `Prospect's zone: ${c.prospectZone}.` : `Prospect's zone: same as the agency.`,
    `Meeting length: ${c.meetingDurationMinutes} minutes. Times offered on the call: ${c.offeredSlotsISO.join(", ") || "none"}.`,
    `Free start times (agency zone ${c.agencyZone}, every ${c.slotIntervalMinutes} minutes within each range):`,
    summariseGrid(c.freeSlots, c.agencyZone, c.slotIntervalMinutes) || "(none)",
  ];
  if (c.bookingProcess === "prospect_proposes") context.push(`Atlas asked the prospect to propose times: list them in proposedTimes.`);
  if (c.qualificationQuestions?.length) {
    context.push(`Qualification questions: ${c.qualificationQuestions.map((q, i) => `Q${i + 1}. ${q}`).join(" ")}`);
  }
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: `${context.join("\n")}\n\nTranscript:\n${transcript}` },
  ];
}

export type Decision =
  | { action: "book"; slotStart: number; slotIso: string; reason: string }
  | { action: "reject"; reason: string }
  | { action: "review"; reason: string }
  /** Prospect-proposed times that cannot be booked: a person settles the time, the prospect gets the nearest free slots. */
  | { action: "clarify"; reason: string; suggestedSlots: number[] }
  /** Nothing to book by design (link sent, call-back asked, their own link): the process's follow-up does the rest. */
  | { action: "follow_up"; reason: string };

type Checks = { confident: boolean; quoted: boolean; minConfidence: number };

/** A time the model says was agreed or proposed, checked against the free grid. */
function checkTime(what: string, iso: string | null, freeSlots: number[]): { slotStart: number } | { reason: string } {
  const slotStart = iso ? parseIsoInstant(iso) : null;
  if (slotStart === null) return { reason: `${what} "${iso}" is not an ISO time with an offset` };
  if (!freeSlots.includes(slotStart)) return { reason: `${what} ${iso} is not a free slot` };
  return { slotStart };
}

/** Whether a parsed reply may book, reject, needs a person, or goes to its process's follow-up. */
export function decide(
  reply: AnalysisReply,
  c: Pick<AnalysisContext, "freeSlots" | "messages" | "agencyZone" | "bookingProcess">,
  minConfidence: number,
): Decision {
  const process = c.bookingProcess ?? DEFAULT_PROCESS;
  const checks: Checks = {
    confident: reply.confidence >= minConfidence,
    quoted: evidenceInProspectLines(reply.evidence, c.messages),
    minConfidence,
  };
  if (process === "prospect_proposes" && !reply.rejectionDetected && (reply.meetingBooked || reply.proposedTimes?.length)) {
    return decideProposed(reply, c, checks);
  }
  if (reply.meetingBooked) {
    const agreed = checkTime("agreed time", reply.slotIso, c.freeSlots);
    if ("reason" in agreed) return { action: "review", reason: agreed.reason };
    const { slotStart } = agreed;
    if (!checks.quoted) return { action: "review", reason: "evidence is not in the prospect's words" };
    if (!checks.confident) return { action: "review", reason: `confidence ${reply.confidence} is below ${minConfidence}` };
    return { action: "book", slotStart, slotIso: toZonedIso(slotStart, c.agencyZone), reason: "agreed to a free slot" };
  }
  if (reply.rejectionDetected) {
    if (checks.quoted && checks.confident) return { action: "reject", reason: "prospect declined" };
    return { action: "review", reason: "possible rejection without clear evidence" };
  }
  if (reply.callbackRequested) return { action: "follow_up", reason: "prospect asked for a call back" };
  if (usableLink(reply.schedulerLink)) return { action: "follow_up", reason: "prospect gave their own scheduling link" };
  if (process === "link_first") return { action: "follow_up", reason: "booking link promised" };
  return { action: "review", reason: "no agreed time" };
}

/**
 * Prospect proposes: the agreed time (if any) then the proposed ones, in order;
 * the first that is free is booked when the usual evidence and confidence checks
 * pass. Anything else is a clarification with the nearest free slots.
 */
function decideProposed(
  reply: AnalysisReply,
  c: Pick<AnalysisContext, "freeSlots" | "agencyZone">,
  checks: Checks,
): Decision {
  const candidates = [...(reply.meetingBooked && reply.slotIso ? [reply.slotIso] : []), ...(reply.proposedTimes ?? [])];
  const checked = candidates.map((iso) => checkTime("proposed time", iso, c.freeSlots));
  const wanted = candidates.map((iso) => parseIsoInstant(iso)).filter((ms): ms is number => ms !== null);
  const clarify = (reason: string): Decision => ({ action: "clarify", reason, suggestedSlots: nearestFreeSlots(wanted, c.freeSlots) });
  const free = checked.find((r): r is { slotStart: number } => "slotStart" in r);
  if (!free) {
    const reasons = checked.map((r) => ("reason" in r ? r.reason : "")).join("; ");
    return clarify(`none of the proposed times is free (${reasons || "none given"})`);
  }
  if (!checks.quoted) return clarify("proposed times are not in the prospect's words");
  if (!checks.confident) return clarify(`confidence ${reply.confidence} is below ${checks.minConfidence}`);
  return {
    action: "book",
    slotStart: free.slotStart,
    slotIso: toZonedIso(free.slotStart, c.agencyZone),
    reason: "proposed a free slot",
  };
}

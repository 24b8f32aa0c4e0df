/**
 * Post-call analysis: what we ask the model, how its reply is parsed, and the
 * rules that decide whether a reply may book. The model names times (offered ids
 * or wall-clock times as said); these checks (the slot rule, evidence of agreement
 * in one prospect line, confidence) decide, and the server computes every instant.
 */
import { DateTime } from "luxon";
import { z } from "zod";
import { formatInZone, MINUTE, slotLabel, toZonedIso, type SlotVerdict } from "./availability";
import { nowLine } from "./prompt";
import { DEFAULT_PROCESS, nearestFreeSlots, PROCESSES, usableLink, type BookingProcess } from "./processes";
import { nullsAsAbsent, strictJsonSchema, type JsonSchema } from "./structuredOutput";
import type { TranscriptMessage } from "./vapiMessages";
import { ANALYSIS_RETRY } from "./retryPolicy";
import { readIsoTime, readWallTime, type CallZones, type OfferedSlot, type TimeReading } from "./wallClock";

export const ANALYSIS_VERSION = "2026-11-29.1";
export const DEFAULT_MIN_CONFIDENCE = 0.7;
/** Attempts per analysis (model/retryPolicy.ts ANALYSIS_RETRY decides the waits between them). */
export const MAX_ANALYSIS_ATTEMPTS = ANALYSIS_RETRY.attempts;

const nullableString = z.string().nullish().transform((s) => s ?? null);

/**
 * A time as it was said: the date and wall-clock time, and whose clock (the server computes the instant).
 * Formats are checked where the instant is computed (model/wallClock.ts): a malformed time is a reason to
 * review, not a reply to retry, and strict structured outputs do not constrain string patterns anyway.
 */
export const wallTimeAnswer = z.object({
  /** YYYY-MM-DD */
  date: z.string(),
  /** HH:mm, 24-hour */
  time: z.string(),
  zone: z.enum(["prospect", "agency"]),
});

export const analysisReply = z.object({
  meetingBooked: z.boolean(),
  /** The id of the offered slot agreed to ("S2"). */
  slotId: z.string().nullish(),
  /** An agreed time that was not offered, as said. */
  agreedTime: wallTimeAnswer.nullish(),
  /** Legacy: an ISO time whose offset is never trusted on its own (see model/wallClock.ts). */
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

interface Word {
  text: string;
  /** Index of the clause (split at , . ! ? ; and "but") the word is in. */
  clause: number;
  negates: boolean;
}

const NEGATIONS = new Set([
  "no", "not", "never", "nope", "nah", "cannot", "cant", "wont", "dont", "doesnt", "didnt", "isnt", "arent",
  "wasnt", "werent", "wouldnt", "couldnt", "shouldnt", "aint", "hasnt", "havent", "unable", "neither", "nor",
]);
const CLAUSE_WORDS = new Set(["but", "however", "although", "though"]);
/** "No problem", "not a problem": politeness, not refusal. */
const NOT_REFUSALS = [/^no (problem|worries|rush|doubt)/, /^not a problem/];

/**
 * A line as words, lowercase, apostrophes (straight or curly) dropped, each with
 * its clause. "2:30" and "p.m." stay one word so they neither split a clause nor match apart.
 */
function words(text: string): Word[] {
  const lower = text
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/\b([ap])\.\s?m\b\.?/g, "$1m");
  const out: Word[] = [];
  let clause = 0;
  for (const [token] of lower.matchAll(/\d{1,2}:\d{2}|[\p{L}\p{N}']+|[.!?;,…]/gu)) {
    if (/^[.!?;,…]$/.test(token)) {
      clause++;
      continue;
    }
    const word = token.replace(/'/g, "");
    if (!word) continue;
    if (CLAUSE_WORDS.has(word)) clause++;
    out.push({ text: word, clause, negates: NEGATIONS.has(word) || /n't$/.test(token) });
  }
  out.forEach((w, i) => {
    if (!w.negates) return;
    const rest = out.slice(i, i + 3).map((x) => x.text).join(" ");
    if (NOT_REFUSALS.some((r) => r.test(rest))) w.negates = false;
  });
  return out;
}

/** Where `quote` occurs in `line` as one contiguous run of words, and whether that occurrence sits in a refusal. */
function occurrences(quote: Word[], line: Word[]): { negated: boolean }[] {
  const found: { negated: boolean }[] = [];
  for (let i = 0; i + quote.length <= line.length; i++) {
    if (!quote.every((q, k) => line[i + k].text === q.text)) continue;
    const [from, to] = [line[i].clause, line[i + quote.length - 1].clause];
    found.push({ negated: line.some((w) => w.clause >= from && w.clause <= to && w.negates) });
  }
  return found;
}

/** The quote appears, as one contiguous span, in a single prospect line (any stance). */
export function quotedFromOneLine(evidence: string | null | undefined, messages: TranscriptMessage[]): boolean {
  const quote = words(evidence ?? "");
  if (quote.length === 0) return false;
  return messages.some((m) => m.role === "user" && occurrences(quote, words(m.text)).length > 0);
}

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
/** A day or a clock time. Spelled-out numbers are left out: "that one works" is an assent, not a time. */
const TIME_WORDS = /\d|\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day)?\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|\b(noon|midnight|tomorrow|today|tonight|o'?clock)\b/;

/** Whether words name a time or day themselves (else they are a bare assent such as "Sure"). */
function namesATime(text: string): boolean {
  return TIME_WORDS.test(text.toLowerCase());
}

/** Clock times (minutes from midnight) and weekdays a line names. */
function timesNamed(text: string): { minutes: Set<number>; weekdays: Set<number> } {
  const lower = text.toLowerCase().replace(/\b([ap])\.\s?m\b\.?/g, "$1m");
  const minutes = new Set<number>();
  for (const m of lower.matchAll(/\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b/g)) {
    minutes.add(((Number(m[1]) % 12) + (m[3] === "pm" ? 12 : 0)) * 60 + Number(m[2] ?? 0));
  }
  for (const m of lower.matchAll(/\b(\d{1,2}):(\d{2})\b(?!\s*[ap]m)/g)) minutes.add(Number(m[1]) * 60 + Number(m[2]));
  if (/\bnoon\b/.test(lower)) minutes.add(12 * 60);
  const weekdays = new Set(WEEKDAYS.flatMap((d, i) => (new RegExp(`\\b${d.slice(0, 3)}`).test(lower) ? [i + 1] : [])));
  return { minutes, weekdays };
}

/** The line names this slot (in the prospect's or the agency's clock) and no other time or day. */
export function namesSlot(text: string, slotStart: number, z: CallZones): boolean {
  const { minutes, weekdays } = timesNamed(text);
  if (minutes.size === 0) return false;
  const local = [z.prospectZone, z.agencyZone].map((zone) => DateTime.fromMillis(slotStart, { zone }));
  const slotMinutes = new Set(local.map((d) => d.hour * 60 + d.minute));
  const slotDays = new Set(local.map((d) => d.weekday as number));
  return [...minutes].every((m) => slotMinutes.has(m)) && [...weekdays].every((d) => slotDays.has(d));
}

/**
 * The evidence shows agreement to `slotStart`: it is one contiguous span of one
 * prospect line, not inside a refusal or negated clause of that line, and, when
 * it names no time itself ("Sure", "Yes, that works"), the assistant line just
 * before it named that slot and no other.
 */
export function agreementQuoted(
  evidence: string | null | undefined,
  messages: TranscriptMessage[],
  slotStart: number,
  z: CallZones,
): boolean {
  const quote = words(evidence ?? "");
  if (quote.length === 0) return false;
  const assent = !namesATime(evidence ?? "");
  let previous: TranscriptMessage | null = null;
  for (const m of messages) {
    if (m.role === "tool") continue;
    const before = previous;
    previous = m;
    if (m.role !== "user") continue;
    const agreeing = occurrences(quote, words(m.text)).some((o) => !o.negated);
    if (agreeing && (!assent || (before?.role === "assistant" && namesSlot(before.text, slotStart, z)))) return true;
  }
  return false;
}

/** Nothing worth a model call: no prospect words, or only a few characters of them. */
export function isTriviallyShort(messages: TranscriptMessage[]): boolean {
  const prospectChars = messages.filter((m) => m.role === "user").reduce((n, m) => n + m.text.trim().length, 0);
  return prospectChars < 8;
}

/** Days of free times the analysis prompt lists; later times are still checked by Atlas when named. */
export const GRID_SUMMARY_DAYS = 14;

/** Free slots as compact per-day start ranges: "Tue 2026-11-24: 09:00-11:30, 14:00-16:30", at most `maxDays` days. */
export function summariseGrid(slots: number[], zone: string, intervalMinutes: number, maxDays = GRID_SUMMARY_DAYS): string {
  const lines: string[] = [];
  let day: { key: string; end: number; runs: string[] } | null = null;
  let runStart: number | null = null;
  let prev: number | null = null;
  const clock = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat("HH:mm");
  const flush = () => {
    if (day && runStart !== null && prev !== null) day.runs.push(runStart === prev ? clock(runStart) : `${clock(runStart)}-${clock(prev)}`);
  };
  // Luxon once per run and per day, not per slot: the grid may hold 17,000 slots.
  for (const ms of slots) {
    if (prev !== null && day && ms - prev === intervalMinutes * MINUTE && ms < day.end) {
      prev = ms;
      continue;
    }
    flush();
    if (!day || ms >= day.end) {
      if (day) lines.push(`${day.key}: ${day.runs.join(", ")}`);
      if (lines.length >= maxDays) {
        day = null;
        lines.push("(later days not listed)");
        break;
      }
      const local = DateTime.fromMillis(ms, { zone });
      day = { key: local.toFormat("ccc yyyy-MM-dd"), end: local.plus({ days: 1 }).startOf("day").toMillis(), runs: [] };
    }
    runStart = ms;
    prev = ms;
  }
  if (day) {
    flush();
    lines.push(`${day.key}: ${day.runs.join(", ")}`);
  }
  return lines.join("\n");
}

export interface AnalysisContext {
  now: number;
  agencyZone: string;
  prospectZone: string;
  meetingDurationMinutes: number;
  slotIntervalMinutes: number;
  /** Every slot offered on the call, by id (prompt and check_availability). */
  offeredSlots: OfferedSlot[];
  /** The free grid as summariseGrid writes it (capped). */
  gridSummary: string;
  messages: TranscriptMessage[];
  /** The process the call ran with (offer_times when absent). */
  bookingProcess?: BookingProcess;
  qualificationQuestions?: string[];
}

const SYSTEM_PROMPT = `You review a sales call transcript between Atlas (AI) and a prospect (User) and report, as one JSON object, whether the prospect clearly agreed to a specific meeting time.
Keys: meetingBooked (boolean), slotId (the id, e.g. "S2", of the offered time the prospect agreed to, or null), agreedTime (only when the agreed time is not an offered one: {"date":"YYYY-MM-DD","time":"HH:mm","zone":"prospect"|"agency"}, the date and 24-hour wall-clock time as said and whose clock it was said in; else null), confidence (0-1), reasoning (one sentence), rejectionDetected (boolean: the prospect clearly declined any meeting), evidence (the prospect's own words, quoted exactly and contiguously from ONE User line, that show the agreement or refusal, or for proposedTimes the words naming them, or null), optOut (boolean: asked not to be called again), proposedTimes (times the prospect suggested instead, most preferred first, each an offered id or {"date","time","zone"} as above), callbackRequested (boolean: asked for a person to call them back), callbackPhone (the number they asked to be called on, or null for the number we called), schedulerLink (URL of the prospect's own scheduling page, or null), bookOnSchedulerLink (boolean: they asked us to book on that link), qualificationAnswers ([{question, answer}] for the qualification questions listed, in the prospect's words).
Rules: meetingBooked is true only when the prospect agreed to one exact start time. Name offered times by their id. Never convert times between zones and never write UTC offsets: give the wall-clock time as it was said. Resolve weekdays and relative dates from "now" in the zones given. If the prospect hesitated, changed their mind without settling, or the time is unclear, meetingBooked is false.`;

export function buildAnalysisMessages(c: AnalysisContext): { role: "system" | "user"; content: string }[] {
  const transcript = c.messages
    .filter((m) => m.role !== "tool")
    .map((m) => `${m.role === "user" ? "User" : "AI"}: ${m.text}`)
    .join("\n");
  const offered = c.offeredSlots.map((s) => `${s.id} = ${slotLabel(s.start, c.agencyZone, c.prospectZone)}`);
  const context = [
    `Now: ${nowLine(c.now, c.agencyZone)} (agency).`,
    c.prospectZone !== c.agencyZone ? `Now for the prospect: ${nowLine(c.now, c.prospectZone)}.` : `Prospect's zone: same as the agency.`,
    `Meeting length: ${c.meetingDurationMinutes} minutes. Times offered on the call (prospect's time first): ${offered.join("; ") || "none"}.`,
    `Free start times (agency zone ${c.agencyZone}, every ${c.slotIntervalMinutes} minutes within each range):`,
    c.gridSummary || "(none)",
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
  /** Proposed times that cannot be booked: a person settles the time, the prospect gets the nearest free slots. */
  | { action: "clarify"; reason: string; suggestedSlots: number[] }
  /** Nothing to book by design (link sent, call-back asked, their own link): the process's follow-up does the rest. */
  | { action: "follow_up"; reason: string };

/** What deciding needs besides the reply: the call's zones and offers, what was said, and the slot rule now. */
export interface DecisionContext {
  zones: CallZones;
  offeredSlots: OfferedSlot[];
  messages: TranscriptMessage[];
  bookingProcess?: BookingProcess;
  /** evaluateSlot for this call now: offered slots exempt from the notice, busy meetings read through the index. */
  check: (start: number) => SlotVerdict;
  /** Free slots now, for the nearest-times suggestions of a clarification. */
  freeSlots: () => number[];
}

type TimeAnswer = string | z.infer<typeof wallTimeAnswer>;
type Resolved = { start: number; free: boolean; reason?: string } | { start?: undefined; free: false; reason: string };

/** An answer (offered id, time as said, or ISO) -> its instant and whether this call may book it now. */
function resolveTime(what: string, answer: TimeAnswer, c: DecisionContext): Resolved {
  let reading: TimeReading;
  if (typeof answer !== "string") {
    reading = readWallTime(answer, c.zones);
  } else if (/^S\d+$/i.test(answer.trim())) {
    const slot = c.offeredSlots.find((s) => s.id.toLowerCase() === answer.trim().toLowerCase());
    reading = slot ? { ok: true, start: slot.start } : { ok: false, reason: `${answer.trim()} was not offered on this call` };
  } else {
    reading = readIsoTime(answer, c.zones, (ms) => c.check(ms).ok);
  }
  if (!reading.ok) return { free: false, reason: `${what}: ${reading.reason}` };
  const verdict = c.check(reading.start);
  if (!verdict.ok) {
    const label = formatInZone(reading.start, c.zones.prospectZone);
    return { start: reading.start, free: false, reason: `${what} ${label} is not a free slot (${verdict.reason.replace(/_/g, " ")})` };
  }
  return { start: reading.start, free: true };
}

function agreedAnswer(reply: AnalysisReply): TimeAnswer | null {
  return reply.slotId?.trim() || reply.agreedTime || reply.slotIso || null;
}

function book(start: number, c: DecisionContext, reason: string): Decision {
  return { action: "book", slotStart: start, slotIso: toZonedIso(start, c.zones.agencyZone), reason };
}

/** Whether a parsed reply may book, reject, needs a person, or goes to its process's follow-up. */
export function decide(reply: AnalysisReply, c: DecisionContext, minConfidence: number): Decision {
  const process = c.bookingProcess ?? DEFAULT_PROCESS;
  const confident = reply.confidence >= minConfidence;
  const proposals = reply.proposedTimes ?? [];
  if (process === "prospect_proposes" && !reply.rejectionDetected && (reply.meetingBooked || proposals.length)) {
    return decideProposed(reply, c, minConfidence, true);
  }
  if (reply.meetingBooked) {
    const answer = agreedAnswer(reply);
    if (answer === null) return { action: "review", reason: "meetingBooked without an agreed time" };
    const agreed = resolveTime("agreed time", answer, c);
    if (!agreed.free) return { action: "review", reason: agreed.reason! };
    if (!agreementQuoted(reply.evidence, c.messages, agreed.start, c.zones)) {
      return { action: "review", reason: "evidence is not in the prospect's words (one line, agreeing, naming the time or answering the AI naming it)" };
    }
    if (!confident) return { action: "review", reason: `confidence ${reply.confidence} is below ${minConfidence}` };
    return book(agreed.start, c, "agreed to a free slot");
  }
  if (reply.rejectionDetected) {
    if (quotedFromOneLine(reply.evidence, c.messages) && confident) return { action: "reject", reason: "prospect declined" };
    return { action: "review", reason: "possible rejection without clear evidence" };
  }
  // Every process that deals in times takes a free alternate the prospect proposed.
  if (proposals.length && (PROCESSES[process].offersTimes || process === "prospect_proposes")) {
    return decideProposed(reply, c, minConfidence, false);
  }
  if (reply.callbackRequested) return { action: "follow_up", reason: "prospect asked for a call back" };
  if (usableLink(reply.schedulerLink)) return { action: "follow_up", reason: "prospect gave their own scheduling link" };
  if (process === "link_first") return { action: "follow_up", reason: "booking link promised" };
  return { action: "review", reason: "no agreed time" };
}

/**
 * Proposed times (after the agreed one, when `withAgreed`), in order: the first
 * that is free is booked when the usual evidence and confidence checks pass.
 * Anything else is a clarification with the nearest free slots.
 */
function decideProposed(reply: AnalysisReply, c: DecisionContext, minConfidence: number, withAgreed: boolean): Decision {
  const agreed = withAgreed && reply.meetingBooked ? agreedAnswer(reply) : null;
  const candidates: TimeAnswer[] = [...(agreed !== null ? [agreed] : []), ...(reply.proposedTimes ?? [])];
  const resolved = candidates.map((answer) => resolveTime("proposed time", answer, c));
  const wanted = resolved.flatMap((r) => (r.start === undefined ? [] : [r.start]));
  const clarify = (reason: string): Decision => ({ action: "clarify", reason, suggestedSlots: nearestFreeSlots(wanted, c.freeSlots()) });
  const free = resolved.find((r) => r.free);
  if (!free || free.start === undefined) {
    const reasons = resolved.map((r) => r.reason ?? "").join("; ");
    return clarify(`none of the proposed times is free (${reasons || "none given"})`);
  }
  if (!agreementQuoted(reply.evidence, c.messages, free.start, c.zones)) return clarify("proposed times are not in the prospect's words");
  if (reply.confidence < minConfidence) return clarify(`confidence ${reply.confidence} is below ${minConfidence}`);
  return book(free.start, c, "proposed a free slot");
}

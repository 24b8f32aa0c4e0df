/**
 * Evidence of agreement: the model quotes the prospect, and these checks decide
 * whether the quote is really one prospect line, agreeing (not inside a refusal),
 * and naming the time or answering the AI naming it.
 */
import { DateTime } from "luxon";
import type { TranscriptMessage } from "../providers/vapiMessages";
import type { CallZones } from "../scheduling/wallClock";

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
    // "Tuesday at 2 PM? No, I can't." and "Sure, but not at 2": a refusal right after the quote takes it back.
    const next = line.slice(i + quote.length).find((w) => w.clause > to && !CLAUSE_WORDS.has(w.text));
    found.push({ negated: next?.negates === true || line.some((w) => w.clause >= from && w.clause <= to && w.negates) });
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

/**
 * Clock times and weekdays a line names. Each time is its possible minutes from
 * midnight: "2:30" without am/pm may be 02:30 or 14:30, as people say it.
 */
function timesNamed(text: string): { times: number[][]; weekdays: Set<number> } {
  const lower = text.toLowerCase().replace(/\b([ap])\.\s?m\b\.?/g, "$1m");
  const times: number[][] = [];
  for (const m of lower.matchAll(/\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b/g)) {
    times.push([((Number(m[1]) % 12) + (m[3] === "pm" ? 12 : 0)) * 60 + Number(m[2] ?? 0)]);
  }
  for (const m of lower.matchAll(/\b(\d{1,2}):(\d{2})\b(?!\s*[ap]m)/g)) {
    const [hour, minute] = [Number(m[1]), Number(m[2])];
    times.push(hour >= 1 && hour < 12 ? [hour * 60 + minute, (hour + 12) * 60 + minute] : [hour * 60 + minute]);
  }
  if (/\bnoon\b/.test(lower)) times.push([12 * 60]);
  const weekdays = new Set(WEEKDAYS.flatMap((d, i) => (new RegExp(`\\b${d.slice(0, 3)}`).test(lower) ? [i + 1] : [])));
  return { times, weekdays };
}

/** Every time and day the text names is this slot's, in the prospect's or the agency's clock (vacuous when it names none). */
function fitsSlot(named: ReturnType<typeof timesNamed>, slotStart: number, z: CallZones): boolean {
  const local = [z.prospectZone, z.agencyZone].map((zone) => DateTime.fromMillis(slotStart, { zone }));
  const slotMinutes = new Set(local.map((d) => d.hour * 60 + d.minute));
  const slotDays = new Set(local.map((d) => d.weekday as number));
  return named.times.every((alternatives) => alternatives.some((m) => slotMinutes.has(m))) && [...named.weekdays].every((d) => slotDays.has(d));
}

/** Every time and day a quote names is this slot's: "Tuesday at 2 PM works" is no evidence for Wednesday at 10. */
export function quoteFitsSlot(text: string | null | undefined, slotStart: number, z: CallZones): boolean {
  return fitsSlot(timesNamed(text ?? ""), slotStart, z);
}

/** The line names this slot (in the prospect's or the agency's clock) and no other time or day. */
export function namesSlot(text: string, slotStart: number, z: CallZones): boolean {
  const named = timesNamed(text);
  return named.times.length > 0 && fitsSlot(named, slotStart, z);
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

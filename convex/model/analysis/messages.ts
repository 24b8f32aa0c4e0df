/**
 * What the analysis asks the model: the system prompt, the call's context (now in
 * both zones, the offered slot ids, a capped summary of the free grid, the
 * process's own hints) and the transcript.
 */
import { DateTime } from "luxon";
import { MINUTE, slotLabel } from "../scheduling/availability";
import { processSpec, type BookingProcess } from "../processes";
import { nowLine } from "../calls/prompt";
import type { TranscriptMessage } from "../providers/vapiMessages";
import type { OfferedSlot } from "../scheduling/wallClock";

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
Keys: meetingBooked (boolean), slotId (the id, e.g. "S2", of the offered time the prospect agreed to, or null), agreedTime (only when the agreed time is not an offered one: {"date":"YYYY-MM-DD","time":"HH:mm","zone":"prospect"|"agency"}, the date and 24-hour wall-clock time as said and whose clock it was said in; else null), confidence (0-1), reasoning (one sentence), rejectionDetected (boolean: the prospect clearly declined any meeting), evidence (the prospect's own words, quoted exactly and contiguously from ONE User line, that show the agreement or refusal, or for proposedTimes the words naming them, or null), optOut (boolean: asked not to be called again), proposedTimes (times the prospect suggested instead, most preferred first, each an offered id or {"date","time","zone"} as above), callbackRequested (boolean: asked for a person to call them back), callbackPhone (the number they asked to be called on, or null for the number we called), schedulerLink (URL of the prospect's own scheduling page, or null), bookOnSchedulerLink (boolean: they asked us to book on that link), qualificationAnswers ([{question, answer}] for the qualification questions listed, in the prospect's words), messageForStaff (what the caller asked us to pass on to the business, in one or two plain sentences with any name, number or deadline they gave, or null when they left no message), urgent (boolean: the caller said it cannot wait, e.g. an emergency or a deadline today).
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
  context.push(...processSpec(c.bookingProcess).analysisHints);
  if (c.qualificationQuestions?.length) {
    context.push(`Qualification questions: ${c.qualificationQuestions.map((q, i) => `Q${i + 1}. ${q}`).join(" ")}`);
  }
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: `${context.join("\n")}\n\nTranscript:\n${transcript}` },
  ];
}

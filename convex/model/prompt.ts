/**
 * The scheduling section of Atlas's prompt. Vapi's {{now}} is UTC and models
 * invent dates, so "now" is written out in the agency's zone (and the prospect's),
 * and every offered time carries its exact ISO instant.
 */
import { DateTime } from "luxon";
import { slotLabel, toZonedIso } from "./availability";

export interface PromptInput {
  agencyName: string;
  prospectName: string;
  agencyZone: string;
  prospectZone?: string;
  now: number;
  meetingDurationMinutes: number;
  offeredSlots: number[];
  availabilityWindows: string[];
  minNoticeMinutes: number;
  horizonDays: number;
}

export function nowLine(now: number, zone: string): string {
  return DateTime.fromMillis(now, { zone }).toFormat("cccc, LLLL d, yyyy, h:mm a ZZZZ") + ` (${zone})`;
}

export function buildSchedulingPrompt(p: PromptInput): string {
  const prospectZone = p.prospectZone ?? p.agencyZone;
  const lines = [
    `## Scheduling (written by Atlas for this call)`,
    `Now at ${p.agencyName}: ${nowLine(p.now, p.agencyZone)}.`,
  ];
  if (prospectZone !== p.agencyZone) lines.push(`Now for ${p.prospectName}: ${nowLine(p.now, prospectZone)}.`);
  lines.push(
    `Goal: book a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName}.`,
    `Offer these free times, in ${p.prospectName}'s time zone:`,
    ...p.offeredSlots.map((s, i) => `${i + 1}. ${slotLabel(s, prospectZone)} [${toZonedIso(s, p.agencyZone)}]`),
    `Availability (agency time, ${p.agencyZone}): ${p.availabilityWindows.join("; ")}.`,
    `Rules:`,
    `- Before ending, repeat the exact agreed day, date and time aloud in the prospect's time zone and get a clear yes.`,
    `- If none of the offered times suit, you may agree another start time inside the availability above, at least ${p.minNoticeMinutes} minutes from now and within ${p.horizonDays} days; otherwise offer the nearest listed time.`,
    `- Say a meeting is booked only after the book_meeting tool said "Booked"; otherwise say the team will confirm it and send a calendar invite.`,
    `- If they decline or ask not to be called again, acknowledge politely and end the call.`,
  );
  return lines.join("\n");
}

/** Rough token count (4 characters a token) for budgets; Groq reports the real one. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

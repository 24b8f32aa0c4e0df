/**
 * The scheduling section of Atlas's prompt. Vapi's {{now}} is UTC and models
 * invent dates, so "now" is written out in the agency's zone (and the prospect's),
 * and every offered time carries a short id (S1...) that book_meeting and the
 * analysis name it by, its label in the prospect's zone and its exact ISO instant.
 */
import { DateTime } from "luxon";
import { processInstructions, type InstructionInput } from "./processes";

/** What the prompt needs; the booking process (offer_times when absent) writes the instructions. */
export interface PromptInput extends Omit<InstructionInput, "prospectZone"> {
  prospectZone?: string;
  now: number;
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
  lines.push(...processInstructions({ ...p, prospectZone }));
  return lines.join("\n");
}

/** Rough token count (4 characters a token) for budgets; Groq reports the real one. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

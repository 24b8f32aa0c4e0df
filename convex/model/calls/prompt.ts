/**
 * The scheduling section of Atlas's prompt. Vapi's {{now}} is UTC and models
 * invent dates, so "now" is written out in the agency's zone (and the prospect's),
 * and every offered time carries a short id (S1...) that book_meeting and the
 * analysis name it by, its label in the prospect's zone and its exact ISO instant.
 * The booking process's spec writes the instructions: its goal, then its blocks' steps in its order, then their rules.
 */
import { DateTime } from "luxon";
import { processSpec, type BookingProcess } from "../processes";
import type { InstructionInput } from "../processes/spec";

/** What the prompt needs; the booking process (offer_times when absent) writes the instructions. */
export interface PromptInput extends Omit<InstructionInput, "prospectZone"> {
  prospectZone?: string;
  bookingProcess?: BookingProcess;
  now: number;
}

export function nowLine(now: number, zone: string): string {
  return DateTime.fromMillis(now, { zone }).toFormat("cccc, LLLL d, yyyy, h:mm a ZZZZ") + ` (${zone})`;
}

/** The process's part of the scheduling prompt: goal, steps in the process's order, then the rules (each once). */
function processInstructions(process: BookingProcess | undefined, p: InstructionInput): string[] {
  const { instructions } = processSpec(process);
  const blocks = instructions.order.flatMap((block) => block(p) ?? []);
  const rules = [...new Set(blocks.flatMap((b) => b.rules))];
  return [
    instructions.goal(p),
    ...blocks.flatMap((b) => b.steps),
    `Rules:`,
    ...rules,
    `- If they decline or ask not to be called again, acknowledge politely and end the call.`,
  ];
}

export function buildSchedulingPrompt(p: PromptInput): string {
  const prospectZone = p.prospectZone ?? p.agencyZone;
  const lines = [
    `## Scheduling (written by Atlas for this call)`,
    `Now at ${p.agencyName}: ${nowLine(p.now, p.agencyZone)}.`,
  ];
  if (prospectZone !== p.agencyZone) lines.push(`Now for ${p.prospectName}: ${nowLine(p.now, prospectZone)}.`);
  lines.push(...processInstructions(p.bookingProcess, { ...p, prospectZone }));
  return lines.join("\n");
}

/** Rough token count (4 characters a token) for budgets; Groq reports the real one. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

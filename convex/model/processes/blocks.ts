/**
 * Instruction blocks the processes are written from, each a step list and its
 * rules. A process picks its blocks and their order; a block only one process
 * needs may live in that process's own file.
 */
import { partOfDay, slotLabel, toZonedIso } from "../scheduling/availability";
import type { InstructionBlock, InstructionInput } from "./spec";

/** Said beside an offered time outside the prospect's waking hours (offered only when no daytime slot is free). */
function hourWarning(start: number, p: InstructionInput): string {
  const part = partOfDay(start, p.prospectZone);
  if (part === "early") return ` (early morning for ${p.prospectName}: say so)`;
  if (part === "late") return ` (late evening for ${p.prospectName}: say so)`;
  return "";
}

const NEVER_CONFIRM = `- Say a meeting is booked only after the book_meeting tool said "Booked"; otherwise say the team will confirm it and send a calendar invite.`;

const availability = (p: InstructionInput) => `Availability (agency time, ${p.agencyZone}): ${p.availabilityWindows.join("; ")}.`;

export const bookMeetingGoal = (p: InstructionInput) => `Goal: book a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName}.`;

/** The offered free times, by id, in the prospect's zone. */
export const offeredTimes: InstructionBlock = (p) => ({
  steps: [
    `Offer these free times, in ${p.prospectName}'s time zone:`,
    ...p.offeredSlots.map((s) => `${s.id}: ${slotLabel(s.start, p.prospectZone)} [${toZonedIso(s.start, p.agencyZone)}]${hourWarning(s.start, p)}`),
    availability(p),
  ],
  rules: [
    `- To book, pass the agreed time's id (e.g. ${p.offeredSlots[0]?.id ?? "S1"}) to book_meeting as slotId; for any other time, call check_availability first and use the id it gives.`,
    `- Before ending, repeat the exact agreed day, date and time aloud in the prospect's time zone and get a clear yes.`,
    `- If none of the offered times suit, you may agree another start time inside the availability above, at least ${p.minNoticeMinutes} minutes from now and within ${p.horizonDays} days; otherwise offer the nearest listed time.`,
    NEVER_CONFIRM,
  ],
});

/** The prospect names the times. */
export const askTimes: InstructionBlock = (p) => ({
  steps: [`Do not list times: ask ${p.prospectName} which day and time suit them, and for a second option.`, availability(p)],
  rules: [
    `- Suggested times must lie inside the availability above, at least ${p.minNoticeMinutes} minutes from now and within ${p.horizonDays} days; otherwise ask for another.`,
    `- Repeat each time they suggest aloud with its day and date in their time zone.`,
    NEVER_CONFIRM,
  ],
});

/** The agency's qualification questions; left out when it has none. */
export const qualificationQuestions: InstructionBlock = (p) => {
  const questions = p.qualificationQuestions ?? [];
  if (questions.length === 0) return null;
  return {
    steps: [`Ask these qualification questions, one at a time, and listen to each answer:`, ...questions.map((q, i) => `Q${i + 1}. ${q}`)],
    rules: [`- If they will not answer a question, move on politely.`],
  };
};

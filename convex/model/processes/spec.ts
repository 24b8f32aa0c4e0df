/**
 * What a booking process is: one object per process (one file each, listed in
 * ./index.ts) that the prompt, the analysis, the decision rules and the
 * post-call plan read instead of switching on the process's name.
 */
import type { Decision } from "../analysis/reply";
import type { OfferedSlot } from "../scheduling/wallClock";
import type { ProspectEmail } from "../outbox/messages";

/** What the process's prompt instructions are written from. */
export interface InstructionInput {
  agencyName: string;
  prospectName: string;
  agencyZone: string;
  prospectZone: string;
  meetingDurationMinutes: number;
  offeredSlots: OfferedSlot[];
  availabilityWindows: string[];
  minNoticeMinutes: number;
  horizonDays: number;
  bookingLink?: string;
  qualificationQuestions?: string[];
}

/** One part of the prompt: steps said in the process's order, rules gathered (once each) after all steps; null to leave it out. */
export type InstructionBlock = (p: InstructionInput) => { steps: string[]; rules: string[] } | null;

/** Events staff may be told about; the notification center decides who hears what. */
export type StaffEvent = "call_requested" | "positive_lead";

/** The emails a process may send the prospect: declared once, as the outbox message validator. */
export type { ProspectEmail };

/** What a process adds to every call's post-call plan (answers, call-backs, clarifications, links are common to all). */
export interface PostCallAdditions {
  emails?: ProspectEmail[];
  events?: StaffEvent[];
}

export interface ProcessSpec<Name extends string = string> {
  name: Name;
  /** Whether the call offers concrete free times (stored as the call's offeredSlots). */
  offersTimes: boolean;
  /** Whether the agency must have a bookingLink for it. */
  needsBookingLink: boolean;
  instructions: {
    goal: (p: InstructionInput) => string;
    /** The blocks in the order Atlas works through them. */
    order: InstructionBlock[];
  };
  /** Lines the analysis prompt adds for calls of this process. */
  analysisHints: string[];
  /** How `decide` treats a reply for this process. */
  decision: {
    /**
     * The times the prospect proposed: "first" decides on them before anything
     * else (the agreed time, when there is one, first among them); "alternates"
     * books a free one when no time was agreed and nothing declined; "ignored"
     * for processes that do not deal in times.
     */
    proposedTimes: "first" | "alternates" | "ignored";
    /** A reply that agrees, declines and asks nothing comes to this; absent, a person reviews it. */
    otherwise?: Extract<Decision, { action: "follow_up" }>;
  };
  /**
   * The process's own follow-up after the decision. `mayContact`: the prospect
   * did not decline or opt out, is not booked and has an email.
   */
  postCall?: (c: { decision: Decision; mayContact: boolean }) => PostCallAdditions;
}

/** Keeps a spec's name as its literal type, so the registry's names make the `bookingProcess` union. */
export function defineProcess<const Name extends string>(spec: ProcessSpec<Name>): ProcessSpec<Name> {
  return spec;
}

/**
 * Booking processes: how an agency wants Atlas to get to a meeting. Each process
 * has its prompt instructions, the order they come in (questions first, times
 * first or link first) and its post-call handling (`planPostCall`). Plain
 * TypeScript: the Convex wrappers only load documents and carry the plan out.
 */
import type { Doc } from "../_generated/dataModel";
import { partOfDay, slotLabel, toZonedIso } from "./availability";
import type { AnalysisReply, Decision } from "./analysis";
import { countryOf, PhoneError, toE164 } from "./phone";
import { classifySchedulerLink } from "./schedulerLink";
import type { OfferedSlot } from "./wallClock";

export type BookingProcess = NonNullable<Doc<"agencies">["bookingProcess"]>;
export type QualificationAnswer = { question: string; answer: string };

export const DEFAULT_PROCESS: BookingProcess = "offer_times";

/** The call's own process when it recorded one, else the opportunity's override, else the agency's. */
export function effectiveProcess(
  agency: Pick<Doc<"agencies">, "bookingProcess">,
  opportunity: Pick<Doc<"opportunities">, "bookingProcess">,
  call?: Pick<Doc<"calls">, "bookingProcess">,
): BookingProcess {
  return call?.bookingProcess ?? opportunity.bookingProcess ?? agency.bookingProcess ?? DEFAULT_PROCESS;
}

/** The instruction blocks a process is written from. */
type Block = "times" | "ask_times" | "questions" | "booking_link" | "their_link" | "callback";

interface ProcessSpec {
  /** Blocks in the order Atlas works through them; "questions" is left out when the agency has none. */
  order: Block[];
  /** Whether the call offers concrete free times (stored as the call's offeredSlotsISO). */
  offersTimes: boolean;
  /** Whether the agency must have a bookingLink for it. */
  needsBookingLink: boolean;
}

export const PROCESSES: Record<BookingProcess, ProcessSpec> = {
  offer_times: { order: ["times", "questions"], offersTimes: true, needsBookingLink: false },
  link_first: { order: ["questions", "booking_link"], offersTimes: false, needsBookingLink: true },
  prospect_proposes: { order: ["ask_times", "questions"], offersTimes: false, needsBookingLink: false },
  call_me: { order: ["questions", "callback"], offersTimes: false, needsBookingLink: false },
  prospect_link: { order: ["their_link", "times", "questions"], offersTimes: true, needsBookingLink: false },
};

/** Why this process cannot run for the agency, or null. */
export function processRefusal(process: BookingProcess, agency: Pick<Doc<"agencies">, "bookingLink">): string | null {
  if (PROCESSES[process].needsBookingLink && !agency.bookingLink) return `bookingProcess "${process}" needs a bookingLink`;
  return null;
}

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
  bookingProcess?: BookingProcess;
  bookingLink?: string;
  qualificationQuestions?: string[];
}

/** Said beside an offered time outside the prospect's waking hours (offered only when no daytime slot is free). */
function hourWarning(start: number, p: InstructionInput): string {
  const part = partOfDay(start, p.prospectZone);
  if (part === "early") return ` (early morning for ${p.prospectName}: say so)`;
  if (part === "late") return ` (late evening for ${p.prospectName}: say so)`;
  return "";
}

const NEVER_CONFIRM = `- Say a meeting is booked only after the book_meeting tool said "Booked"; otherwise say the team will confirm it and send a calendar invite.`;

function block(b: Block, p: InstructionInput): { steps: string[]; rules: string[] } {
  const availability = `Availability (agency time, ${p.agencyZone}): ${p.availabilityWindows.join("; ")}.`;
  switch (b) {
    case "times":
      return {
        steps: [
          `Offer these free times, in ${p.prospectName}'s time zone:`,
          ...p.offeredSlots.map((s) => `${s.id}: ${slotLabel(s.start, p.prospectZone)} [${toZonedIso(s.start, p.agencyZone)}]${hourWarning(s.start, p)}`),
          availability,
        ],
        rules: [
          `- To book, pass the agreed time's id (e.g. ${p.offeredSlots[0]?.id ?? "S1"}) to book_meeting as slotId; for any other time, call check_availability first and use the id it gives.`,
          `- Before ending, repeat the exact agreed day, date and time aloud in the prospect's time zone and get a clear yes.`,
          `- If none of the offered times suit, you may agree another start time inside the availability above, at least ${p.minNoticeMinutes} minutes from now and within ${p.horizonDays} days; otherwise offer the nearest listed time.`,
          NEVER_CONFIRM,
        ],
      };
    case "ask_times":
      return {
        steps: [`Do not list times: ask ${p.prospectName} which day and time suit them, and for a second option.`, availability],
        rules: [
          `- Suggested times must lie inside the availability above, at least ${p.minNoticeMinutes} minutes from now and within ${p.horizonDays} days; otherwise ask for another.`,
          `- Repeat each time they suggest aloud with its day and date in their time zone.`,
          NEVER_CONFIRM,
        ],
      };
    case "questions":
      return {
        steps: [
          `Ask these qualification questions, one at a time, and listen to each answer:`,
          ...(p.qualificationQuestions ?? []).map((q, i) => `Q${i + 1}. ${q}`),
        ],
        rules: [`- If they will not answer a question, move on politely.`],
      };
    case "booking_link":
      return {
        steps: [`Offer no meeting times. Promise to email them a link to book a time that suits them: ${p.bookingLink}`],
        rules: [`- Never offer or agree a specific time: the link is how they book.`],
      };
    case "their_link":
      return {
        steps: [
          `First ask whether they use a scheduling link of their own (Calendly, Cal.com, HubSpot...). If so, ask them to spell it, read it back, and ask whether we should book a time on it for them. If not, go on.`,
        ],
        rules: [],
      };
    case "callback":
      return {
        steps: [
          `Offer that a person from ${p.agencyName} calls them back. Ask when suits them and which number to call (it may be another number); read the number back digit by digit.`,
        ],
        rules: [`- Do not offer or agree meeting times.`],
      };
  }
}

function goal(process: BookingProcess, p: InstructionInput): string {
  if (process === "link_first") {
    return `Goal: qualify ${p.prospectName} for a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName} and send them the booking link.`;
  }
  if (process === "call_me") return `Goal: arrange for a person from ${p.agencyName} to call ${p.prospectName} back.`;
  return `Goal: book a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName}.`;
}

/** The process's part of the scheduling prompt: goal, steps in the process's order, then the rules. */
export function processInstructions(p: InstructionInput): string[] {
  const process = p.bookingProcess ?? DEFAULT_PROCESS;
  const blocks = PROCESSES[process].order
    .filter((b) => b !== "questions" || (p.qualificationQuestions ?? []).length > 0)
    .map((b) => block(b, p));
  const rules = [...new Set(blocks.flatMap((b) => b.rules))];
  return [
    goal(process, p),
    ...blocks.flatMap((b) => b.steps),
    `Rules:`,
    ...rules,
    `- If they decline or ask not to be called again, acknowledge politely and end the call.`,
  ];
}

/**
 * The free slots closest to what the prospect asked for (soonest first when they
 * named nothing usable), at least `gapMinutes` apart so the choice is a real one,
 * in time order.
 */
export function nearestFreeSlots(wanted: number[], free: number[], count = 3, gapMinutes = 60): number[] {
  const distance = (s: number) => (wanted.length === 0 ? s : Math.min(...wanted.map((w) => Math.abs(s - w))));
  const picked: number[] = [];
  for (const s of [...free].sort((a, b) => distance(a) - distance(b) || a - b)) {
    if (picked.length >= count) break;
    if (picked.every((p) => Math.abs(p - s) >= gapMinutes * 60_000)) picked.push(s);
  }
  return picked.sort((a, b) => a - b);
}

/** Later answers to the same question replace earlier ones; other answers are kept. */
export function mergeAnswers(previous: QualificationAnswer[] | undefined, latest: QualificationAnswer[]): QualificationAnswer[] {
  const byQuestion = new Map((previous ?? []).map((a) => [a.question.trim().toLowerCase(), a]));
  for (const a of latest) {
    if (a.answer.trim()) byQuestion.set(a.question.trim().toLowerCase(), { question: a.question.trim(), answer: a.answer.trim() });
  }
  return [...byQuestion.values()];
}

/** E.164 when the number is valid (read in the country of the number we called), else null. */
export function normaliseCallbackPhone(raw: string | null | undefined, calledNumber: string): string | null {
  if (!raw?.trim()) return null;
  try {
    return toE164(raw, countryOf(calledNumber));
  } catch (e) {
    if (e instanceof PhoneError) return null;
    throw e;
  }
}

/** The link as a usable URL (a link read out on a call may lack its scheme), or null. */
export function usableLink(text: string | null | undefined): string | null {
  if (!text?.trim()) return null;
  try {
    return classifySchedulerLink(text).url;
  } catch {
    return null;
  }
}

/** Events staff may be told about; the notification center decides who hears what. */
export type StaffEvent = "call_requested" | "positive_lead";

export type ProspectEmail = { kind: "booking_link" } | { kind: "free_slots"; slots: number[] };

export interface PlannedTask {
  type: "call_back" | "clarify_time";
  reason: string;
  details: Record<string, unknown>;
  perOpportunity: boolean;
}

export interface PostCallPlan {
  opportunityPatch: { qualificationAnswers?: QualificationAnswer[]; callbackPhone?: string; schedulerLink?: string };
  tasks: PlannedTask[];
  emails: ProspectEmail[];
  /** Process 5: hand the prospect's own link to the scheduler-link module. */
  schedulerLink: { link: string; book: boolean } | null;
  events: StaffEvent[];
}

export interface PostCallInput {
  process: BookingProcess;
  reply: AnalysisReply;
  decision: Decision;
  opportunity: Pick<Doc<"opportunities">, "phone" | "email" | "qualificationAnswers" | "status">;
  agencyZone: string;
}

/**
 * What happens after the analysis, besides booking/rejecting (done by the
 * decision itself): store answers and contact details, open follow-up tasks,
 * email the prospect. Nobody who declined, opted out or is booked is emailed.
 */
export function planPostCall({ process, reply, decision, opportunity, agencyZone }: PostCallInput): PostCallPlan {
  const plan: PostCallPlan = { opportunityPatch: {}, tasks: [], emails: [], schedulerLink: null, events: [] };
  // A booked prospect (e.g. booked live on this call) is never sent a link or times to book with.
  const mayContact =
    decision.action !== "reject" && !reply.optOut && !reply.rejectionDetected && !!opportunity.email && opportunity.status !== "Booked";

  if (reply.qualificationAnswers?.length) {
    plan.opportunityPatch.qualificationAnswers = mergeAnswers(opportunity.qualificationAnswers, reply.qualificationAnswers);
  }
  if (process === "link_first" && decision.action === "follow_up" && mayContact) {
    plan.emails.push({ kind: "booking_link" });
    plan.events.push("positive_lead");
  }
  if (decision.action === "clarify") {
    plan.tasks.push({
      type: "clarify_time",
      reason: decision.reason,
      details: {
        proposedTimes: reply.proposedTimes ?? [],
        suggestedSlotsISO: decision.suggestedSlots.map((s) => toZonedIso(s, agencyZone)),
      },
      perOpportunity: false,
    });
    if (mayContact && decision.suggestedSlots.length > 0) plan.emails.push({ kind: "free_slots", slots: decision.suggestedSlots });
  }
  if (reply.callbackRequested && decision.action !== "book" && !reply.optOut) {
    const given = reply.callbackPhone?.trim() || null;
    const normalised = normaliseCallbackPhone(given, opportunity.phone);
    if (normalised) plan.opportunityPatch.callbackPhone = normalised;
    let reason = "prospect asked a person to call them back on the number we called";
    if (given) {
      reason = normalised
        ? "prospect asked a person to call them back on the number they gave"
        : "prospect asked a person to call them back; the number they gave is not valid, check the recording";
    }
    plan.tasks.push({
      type: "call_back",
      reason,
      // An invalid number is kept as said, for a person to make sense of.
      details: { callbackPhone: normalised ?? given ?? opportunity.phone, numberValid: !given || normalised !== null },
      perOpportunity: true,
    });
    plan.events.push("call_requested");
  }
  const link = usableLink(reply.schedulerLink);
  if (link && !reply.optOut) {
    plan.opportunityPatch.schedulerLink = link;
    plan.schedulerLink = { link, book: reply.bookOnSchedulerLink ?? false };
  }
  return plan;
}

export interface EmailParty {
  agencyName: string;
  prospectName: string;
  prospectZone: string;
  meetingDurationMinutes: number;
  bookingLink?: string;
}

export function bookingLinkEmail(p: EmailParty): { subject: string; text: string } {
  return {
    subject: `Book your intro meeting with ${p.agencyName}`,
    text: [
      `Hi ${p.prospectName},`,
      ``,
      `Thanks for speaking with us today. As promised, here is the link to book a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName} at a time that suits you:`,
      ``,
      p.bookingLink ?? "",
      ``,
      `${p.agencyName}`,
    ].join("\n"),
  };
}

/** The free times nearest to what the prospect asked for, each said in the prospect's zone. */
export function freeSlotsEmail(p: EmailParty, slots: number[]): { subject: string; text: string } {
  return {
    subject: `Times for your intro meeting with ${p.agencyName}`,
    text: [
      `Hi ${p.prospectName},`,
      ``,
      `Thanks for speaking with us today. We could not settle a time on the call, so here are the nearest free times for a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName} (your time, ${p.prospectZone}):`,
      ``,
      ...slots.map((s) => `- ${slotLabel(s, p.prospectZone)}`),
      ``,
      `Reply with the one that suits you and we will send a calendar invite.`,
      ``,
      `${p.agencyName}`,
    ].join("\n"),
  };
}

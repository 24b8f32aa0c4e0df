/**
 * What happens after the analysis, besides the decision's own booking or
 * rejection: the parts every process shares (answers, call-backs, clarifications,
 * the prospect's own link) and the process's own `postCall` additions. Plain
 * TypeScript: model/processes/carryOut.ts carries the plan out.
 */
import type { Infer } from "convex/values";
import type { Doc } from "../../_generated/dataModel";
import type { taskDetailShapes } from "../tasks";
import type { AnalysisReply, Decision } from "../analysis/reply";
import { toZonedIso } from "../scheduling/availability";
import { countryOf, PhoneError, toE164 } from "../scheduling/phone";
import { usableLink } from "../providers/schedulerLink";
import { processSpec, type BookingProcess } from "./index";
import type { ProspectEmail, StaffEvent } from "./spec";

export type QualificationAnswer = { question: string; answer: string };

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

export type PlannedTask =
  | { type: "call_back"; reason: string; details: Infer<typeof taskDetailShapes.callBack>; perOpportunity: boolean }
  | { type: "clarify_time"; reason: string; details: Infer<typeof taskDetailShapes.clarifyTime>; perOpportunity: boolean };

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
  const own = processSpec(process).postCall?.({ decision, mayContact }) ?? {};
  plan.emails.push(...(own.emails ?? []));
  plan.events.push(...(own.events ?? []));
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

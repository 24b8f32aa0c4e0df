/**
 * What a staff call came to, from its end-of-call report (or a transfer-update):
 * pure rules, unit-tested (tests/unit/callbacks/outcomes.test.ts).
 *
 * `assistant-forwarded-call` only means a transfer started: whether the customer
 * was reached is read from `artifact.transfers[].status` alone.
 */
import type { Vapi } from "@vapi-ai/server-sdk";

export type AttemptStatus =
  | "scheduled"
  | "dialing"
  | "no_answer"
  | "declined"
  | "delivered"
  | "connecting"
  | "connected"
  | "connect_failed"
  | "failed";

export type AttemptOutcome = Extract<AttemptStatus, "no_answer" | "declined" | "delivered" | "connected" | "connect_failed" | "failed">;

/** Statuses an attempt never leaves (a later report only adds its cost). */
export const SETTLED: ReadonlySet<AttemptStatus> = new Set(["no_answer", "declined", "delivered", "connected", "connect_failed", "failed"]);
/** A staff call on the line (or about to be): the agency has no second one meanwhile. */
export const LIVE: readonly AttemptStatus[] = ["dialing", "connecting"];

/** The staff phone was never answered by a person: a retry may reach them. */
const NO_ANSWER_ENDINGS: ReadonlySet<string> = new Set<Vapi.ServerMessageEndOfCallReportEndedReason>([
  "customer-did-not-answer",
  "customer-busy",
  "voicemail",
  "call.in-progress.error-providerfault-outbound-sip-408-request-timeout",
  "call.in-progress.error-providerfault-outbound-sip-480-temporarily-unavailable",
]);

/** An ending that says nobody picked up the staff phone. */
export function isNoAnswerEnding(endedReason: string | undefined): boolean {
  return endedReason !== undefined && NO_ANSWER_ENDINGS.has(endedReason);
}

type TransferStatus = `${Vapi.TransferArtifactStatus}`;
const TRANSFER_REACHED: ReadonlySet<string> = new Set<TransferStatus>(["connected", "completed"]);
const TRANSFER_FAILED: ReadonlySet<string> = new Set<TransferStatus>(["no-answer", "busy", "voicemail", "failed", "cancelled"]);

/** What the transfers of a call say: reached when any reached the customer, failed when all ended otherwise, else unknown. */
export function transferResult(statuses: readonly (string | undefined)[]): "connected" | "connect_failed" | null {
  if (statuses.some((s) => s !== undefined && TRANSFER_REACHED.has(s))) return "connected";
  const ended = statuses.filter((s): s is string => s !== undefined && TRANSFER_FAILED.has(s));
  return ended.length > 0 && ended.length === statuses.length ? "connect_failed" : null;
}

export interface StaffCallReport {
  endedReason?: string;
  /** `artifact.transfers[].status`, in order. */
  transferStatuses: (string | undefined)[];
  /** Lines the staff member said (Vapi's "user" on this call). */
  staffTurns: number;
  /** Atlas posted the transfer (connect_to_customer or transfer-destination-request). */
  connectRequested: boolean;
  /** The call's structured analysis says the staff member declined to be connected. */
  declined: boolean;
}

/**
 * The outcome: a transfer's own status first; a transfer asked for that reports
 * no status is a failed connection (the message then reaches the agency by email
 * rather than being lost); a call nobody spoke on is unanswered; otherwise the
 * staff member heard the message and declined or hung up.
 */
export function staffCallOutcome(r: StaffCallReport): AttemptOutcome {
  const transfers = transferResult(r.transferStatuses);
  if (transfers) return transfers;
  if (r.connectRequested) return "connect_failed";
  if (isNoAnswerEnding(r.endedReason)) return "no_answer";
  if (r.staffTurns === 0) {
    // Start and carrier failures never rang anyone; an answered line nobody spoke on is a miss worth retrying.
    return r.endedReason && /^(call\.start\.error|pipeline-error|twilio-failed|call\.in-progress\.error-vapifault)/.test(r.endedReason)
      ? "failed"
      : "no_answer";
  }
  return r.declined ? "declined" : "delivered";
}

/** Whether the next attempt may be dialled after this outcome (the settings decide how many). */
export function isRetryable(outcome: AttemptOutcome): boolean {
  return outcome === "no_answer";
}

/** Outcomes after which the message reaches the agency another way (email, task). */
export function needsFallback(outcome: AttemptOutcome, retriesLeft: boolean): boolean {
  if (outcome === "no_answer") return !retriesLeft;
  return outcome === "connect_failed" || outcome === "failed";
}

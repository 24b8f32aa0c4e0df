/**
 * Agency calling retries: when an unanswered prospect is rung again (the
 * agency's maxAttempts and retryDelayMinutes, within calling hours). Not to be
 * confused with model/retryPolicy.ts, the backoff for failed provider requests.
 */
import { AGENCY_DEFAULTS } from "../agency";
import { MINUTE } from "../scheduling/availability";
import { isUnreachedOutcome, type CallOutcome } from "./outcomes";

export interface RetryInput {
  /** The final outcome of the attempt that just ended. */
  outcome: CallOutcome | undefined;
  /** Its attempt number (1 for the first outbound call). */
  attempt: number;
  direction: "outbound" | "inbound";
  agency: { maxAttempts?: number; retryDelayMinutes?: number };
  opportunity: { status: "New" | "Contacted" | "Booked" | "Rejected"; doNotCall?: boolean };
  endedAt: number;
}

/**
 * The earliest moment the next attempt may be dialled, or null when there is
 * none: the prospect was reached, the limit is spent, or they booked, declined
 * or opted out. Calling hours are applied by the scheduler (nextCallingMoment).
 */
export function nextAttemptAt(i: RetryInput): number | null {
  if (i.direction !== "outbound" || !isUnreachedOutcome(i.outcome)) return null;
  if (i.opportunity.doNotCall || i.opportunity.status === "Booked" || i.opportunity.status === "Rejected") return null;
  const maxAttempts = i.agency.maxAttempts ?? AGENCY_DEFAULTS.maxAttempts;
  if (i.attempt >= maxAttempts) return null;
  return i.endedAt + (i.agency.retryDelayMinutes ?? AGENCY_DEFAULTS.retryDelayMinutes) * MINUTE;
}

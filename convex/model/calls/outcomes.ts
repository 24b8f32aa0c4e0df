import type { Vapi } from "@vapi-ai/server-sdk";
import type { Doc } from "../../_generated/dataModel";

export type CallOutcome = NonNullable<Doc<"calls">["outcome"]>;
export type CallStatus = Doc<"calls">["status"];

/** Typed by Vapi's own list of reasons: a misspelt one does not compile. */
const CONNECTED_ENDINGS: ReadonlySet<string> = new Set<Vapi.ServerMessageEndOfCallReportEndedReason>([
  "customer-ended-call",
  "assistant-ended-call",
  "assistant-said-end-call-phrase",
  "assistant-forwarded-call",
  "silence-timed-out",
  "exceeded-max-duration",
  "assistant-ended-call-after-message-spoken",
  "assistant-ended-call-with-hangup-task",
  // Ended by the carrier after a normal conversation.
  "call.in-progress.twilio-completed-call",
  "call.in-progress.sip-completed-call",
  "vonage-completed",
  // A transfer that ended or failed after the prospect had been talking with Atlas.
  "customer-ended-call-before-warm-transfer",
  "customer-ended-call-during-transfer",
  "customer-ended-call-after-warm-transfer-attempt",
  "call.in-progress.error-transfer-failed",
  "call.in-progress.error-warm-transfer-max-duration",
  "call.in-progress.error-warm-transfer-assistant-cancelled",
  "call.in-progress.error-warm-transfer-silence-timeout",
  "call.in-progress.error-warm-transfer-microphone-timeout",
  // Not call.forwarding.*: on an inbound call forwarded before anyone spoke, the caller was missed.
]);

/**
 * Vapi's endedReason (hundreds of values) -> our outcome. Unknown values are a
 * generic failure: a new Vapi reason must never crash the webhook.
 */
export function outcomeForEndedReason(endedReason: string | undefined): CallOutcome {
  if (!endedReason) return "failed";
  if (endedReason === "customer-did-not-answer" || endedReason === "customer-did-not-give-microphone-permission") {
    return "no_answer";
  }
  if (endedReason === "customer-busy") return "busy";
  if (endedReason === "voicemail") return "voicemail";
  if (CONNECTED_ENDINGS.has(endedReason)) return "completed";
  return "failed";
}

/** Outcomes after which another attempt may be worth placing. */
export function isUnreachedOutcome(outcome: CallOutcome | undefined): boolean {
  return outcome === "no_answer" || outcome === "busy" || outcome === "voicemail";
}

/** Outcomes that show a conversation happened: the prospect was reached. */
export function isConnectedOutcome(outcome: CallOutcome | undefined): boolean {
  return outcome === "completed" || outcome === "booked" || outcome === "rejected";
}

const STATUS_ORDER: CallStatus[] = ["scheduled", "queued", "ringing", "in-progress", "forwarding", "ended"];

/** Status updates arrive out of order: only move forward. Terminal states never move. */
export function nextStatus(current: CallStatus, incoming: CallStatus): CallStatus {
  if (current === "ended" || current === "failed" || current === "cancelled") return current;
  const from = STATUS_ORDER.indexOf(current);
  const to = STATUS_ORDER.indexOf(incoming);
  return to > from ? incoming : current;
}

export const ACTIVE_STATUSES: CallStatus[] = ["scheduled", "queued", "ringing", "in-progress", "forwarding"];

/** The call will not dial or talk again: its pacing line (if any) is free. */
export function isTerminalStatus(status: CallStatus): boolean {
  return status === "ended" || status === "failed" || status === "cancelled";
}

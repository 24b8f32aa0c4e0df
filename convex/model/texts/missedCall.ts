/**
 * When an inbound call never became a conversation, pure. The AI answers every
 * inbound call, so "missed" is read from how the call ended (Vapi's endedReason,
 * integrations.md "Missed inbound") or from a call too short for anyone to talk.
 */

/** A call this short with no caller turn was never a conversation (a hang-up on the greeting). */
export const MISSED_CALL_MAX_SECONDS = 10;

/** Endings before the assistant reached the caller: our assistant-request answer failed, the call never started. */
const MISSED_PREFIXES = ["assistant-request-", "call.start.", "call-start-error-"];

/** Endings where the line never connected to the assistant, or the caller hung up while it rang. */
const MISSED_ENDINGS = new Set([
  "call.ringing.sip-inbound-caller-hungup-before-call-connect",
  "call.ringing.error-sip-inbound-call-failed-to-connect",
  "call.in-progress.error-sip-inbound-call-failed-to-connect",
  "call.in-progress.error-vapifault-transport-never-connected",
  "call.in-progress.error-providerfault-transport-never-connected",
  "call.in-progress.error-vapifault-call-started-but-connection-to-transport-missing",
  "twilio-failed-to-connect-call",
  "vonage-failed-to-connect-call",
]);

export interface EndedInbound {
  endedReason?: string;
  /** Seconds from answer to end, when the report says. */
  durationSeconds?: number;
  startedAt?: number;
  endedAt?: number;
  /** Messages the caller said. */
  callerTurns: number;
}

/** Whether the report's endedReason alone says the call never reached the assistant. */
export function isStartFailure(endedReason: string | undefined): boolean {
  if (!endedReason) return false;
  return MISSED_ENDINGS.has(endedReason) || MISSED_PREFIXES.some((p) => endedReason.startsWith(p));
}

/** The call's length in seconds, from the report's duration or its start and end; null when unknown. */
export function callSeconds(call: Pick<EndedInbound, "durationSeconds" | "startedAt" | "endedAt">): number | null {
  if (call.durationSeconds !== undefined) return call.durationSeconds;
  if (call.startedAt !== undefined && call.endedAt !== undefined) return Math.max(0, (call.endedAt - call.startedAt) / 1000);
  return null;
}

/**
 * Missed: a start or connection failure, or ended within MISSED_CALL_MAX_SECONDS with no caller
 * turn. A call of unknown length counts only on its reason: a caller who said something talked.
 */
export function isMissedInbound(call: EndedInbound): boolean {
  if (isStartFailure(call.endedReason)) return true;
  if (call.callerTurns > 0) return false;
  const seconds = callSeconds(call);
  return seconds !== null && seconds <= MISSED_CALL_MAX_SECONDS;
}

/** Messages the caller said in a stored transcript. */
export function countCallerTurns(messages: readonly { role: string; text: string }[]): number {
  return messages.filter((m) => m.role === "user" && m.text.trim().length > 0).length;
}

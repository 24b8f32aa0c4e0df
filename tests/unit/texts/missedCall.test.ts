import { describe, expect, test } from "vitest";
import { callSeconds, countCallerTurns, isMissedInbound, isStartFailure, MISSED_CALL_MAX_SECONDS } from "../../../convex/model/texts/missedCall";

const talked = { callerTurns: 2, durationSeconds: 180 };

describe("isMissedInbound: an inbound call that never became a conversation", () => {
  test.each([
    "assistant-request-returned-error",
    "assistant-request-failed",
    "call.start.error-subscription-concurrency-limit-reached",
    "call.start.error-get-assistant",
    "call-start-error-neither-assistant-nor-server-set",
    "call.ringing.sip-inbound-caller-hungup-before-call-connect",
    "call.in-progress.error-vapifault-transport-never-connected",
    "call.in-progress.error-providerfault-transport-never-connected",
    "twilio-failed-to-connect-call",
  ])("%s is missed whatever the length", (endedReason) => {
    expect(isStartFailure(endedReason)).toBe(true);
    expect(isMissedInbound({ endedReason, callerTurns: 0, durationSeconds: 95 })).toBe(true);
  });

  test.each(["customer-ended-call", "assistant-ended-call", "silence-timed-out", "exceeded-max-duration", "pipeline-error-openai-llm-failed", "a-reason-vapi-adds-next-year"])(
    "%s after a real conversation is not missed",
    (endedReason) => {
      expect(isStartFailure(endedReason)).toBe(false);
      expect(isMissedInbound({ endedReason, ...talked })).toBe(false);
    },
  );

  test("a hang-up within 10 seconds with no caller turn is missed; at 11 seconds it is not", () => {
    expect(isMissedInbound({ endedReason: "customer-ended-call", callerTurns: 0, durationSeconds: 4 })).toBe(true);
    expect(isMissedInbound({ endedReason: "customer-ended-call", callerTurns: 0, durationSeconds: MISSED_CALL_MAX_SECONDS })).toBe(true);
    expect(isMissedInbound({ endedReason: "customer-ended-call", callerTurns: 0, durationSeconds: MISSED_CALL_MAX_SECONDS + 1 })).toBe(false);
    expect(isMissedInbound({ endedReason: "silence-timed-out", callerTurns: 0, startedAt: 1_000, endedAt: 9_000 })).toBe(true);
  });

  test("a short call in which the caller said something is a conversation", () => {
    expect(isMissedInbound({ endedReason: "customer-ended-call", callerTurns: 1, durationSeconds: 6 })).toBe(false);
  });

  test("a call of unknown length counts only on its reason", () => {
    expect(isMissedInbound({ endedReason: "customer-ended-call", callerTurns: 0 })).toBe(false);
    expect(isMissedInbound({ endedReason: undefined, callerTurns: 0 })).toBe(false);
    expect(isMissedInbound({ endedReason: "call.start.error-get-transport", callerTurns: 0 })).toBe(true);
  });

  test("the length comes from the report's duration, else its start and end", () => {
    expect(callSeconds({ durationSeconds: 42, startedAt: 0, endedAt: 5_000 })).toBe(42);
    expect(callSeconds({ startedAt: 10_000, endedAt: 17_500 })).toBe(7.5);
    expect(callSeconds({ startedAt: 10_000 })).toBeNull();
  });

  test("caller turns are the caller's non-empty lines only", () => {
    const turns = countCallerTurns([
      { role: "assistant", text: "Thanks for calling Brightline Growth." },
      { role: "user", text: "  " },
      { role: "tool", text: "[]" },
      { role: "user", text: "Hi, I wanted to book a call." },
    ]);
    expect(turns).toBe(1);
  });
});

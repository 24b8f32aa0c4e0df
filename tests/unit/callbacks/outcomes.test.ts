import { describe, expect, test } from "vitest";
import { isRetryable, needsFallback, staffCallOutcome, transferResult, type StaffCallReport } from "../../../convex/model/callbacks/outcomes";

const report = (r: Partial<StaffCallReport>): StaffCallReport => ({
  endedReason: "customer-ended-call",
  transferStatuses: [],
  staffTurns: 1,
  connectRequested: false,
  declined: false,
  ...r,
});

describe("staff call outcomes", () => {
  test("a transfer's own status decides the connection, whatever the ending", () => {
    expect(staffCallOutcome(report({ endedReason: "assistant-forwarded-call", transferStatuses: ["connected"], connectRequested: true }))).toBe("connected");
    expect(staffCallOutcome(report({ endedReason: "assistant-forwarded-call", transferStatuses: ["completed"] }))).toBe("connected");
    for (const status of ["no-answer", "busy", "voicemail", "failed", "cancelled"]) {
      expect(staffCallOutcome(report({ endedReason: "assistant-forwarded-call", transferStatuses: [status], connectRequested: true }))).toBe("connect_failed");
    }
    // A second transfer that reached the caller wins over a first that did not.
    expect(staffCallOutcome(report({ transferStatuses: ["no-answer", "connected"] }))).toBe("connected");
  });

  test("assistant-forwarded-call alone is only a started transfer: with no status it is not a connection", () => {
    expect(staffCallOutcome(report({ endedReason: "assistant-forwarded-call", connectRequested: true }))).toBe("connect_failed");
    expect(staffCallOutcome(report({ endedReason: "assistant-forwarded-call", transferStatuses: ["unknown"], connectRequested: true }))).toBe("connect_failed");
    expect(transferResult(["unknown"])).toBeNull();
    expect(transferResult([])).toBeNull();
  });

  test("no answer: not picked up, busy, voicemail, SIP 408/480, or picked up and nobody spoke", () => {
    for (const endedReason of [
      "customer-did-not-answer",
      "customer-busy",
      "voicemail",
      "call.in-progress.error-providerfault-outbound-sip-408-request-timeout",
      "call.in-progress.error-providerfault-outbound-sip-480-temporarily-unavailable",
    ]) {
      expect(staffCallOutcome(report({ endedReason, staffTurns: 0 }))).toBe("no_answer");
      // A voicemail greeting transcribed as a "user" line is still voicemail.
      expect(staffCallOutcome(report({ endedReason, staffTurns: 2 }))).toBe("no_answer");
    }
    expect(staffCallOutcome(report({ endedReason: "silence-timed-out", staffTurns: 0 }))).toBe("no_answer");
  });

  test("carrier and platform failures before anyone spoke are failures; unknown endings never crash", () => {
    expect(staffCallOutcome(report({ endedReason: "twilio-failed-to-connect-call", staffTurns: 0 }))).toBe("failed");
    expect(staffCallOutcome(report({ endedReason: "call.start.error-subscription-concurrency-limit-reached", staffTurns: 0 }))).toBe("failed");
    expect(staffCallOutcome(report({ endedReason: "pipeline-error-openai-llm-failed", staffTurns: 0 }))).toBe("failed");
    expect(staffCallOutcome(report({ endedReason: "some-new-vapi-reason", staffTurns: 0 }))).toBe("no_answer");
    expect(staffCallOutcome(report({ endedReason: undefined, staffTurns: 0 }))).toBe("no_answer");
  });

  test("heard the message: declined when the analysis says no, else delivered", () => {
    expect(staffCallOutcome(report({ declined: true }))).toBe("declined");
    expect(staffCallOutcome(report({ endedReason: "assistant-ended-call" }))).toBe("delivered");
    expect(staffCallOutcome(report({ endedReason: "some-new-vapi-reason" }))).toBe("delivered");
  });

  test("only no_answer retries; the last no_answer and every failed connection fall back; heard messages do not", () => {
    expect(isRetryable("no_answer")).toBe(true);
    expect(isRetryable("connect_failed")).toBe(false);
    expect(needsFallback("no_answer", true)).toBe(false);
    expect(needsFallback("no_answer", false)).toBe(true);
    expect(needsFallback("connect_failed", true)).toBe(true);
    expect(needsFallback("failed", true)).toBe(true);
    expect(needsFallback("delivered", false)).toBe(false);
    expect(needsFallback("declined", false)).toBe(false);
    expect(needsFallback("connected", false)).toBe(false);
  });
});

import { describe, expect, test } from "vitest";
import { MINUTE } from "../../convex/model/scheduling/availability";
import { nextAttemptAt, type RetryInput } from "../../convex/model/calls/callRetry";
import { funnelCounts } from "../../convex/model/calls/funnel";

const ENDED = Date.parse("2026-11-21T15:00:00Z");
const base: RetryInput = {
  outcome: "no_answer",
  attempt: 1,
  direction: "outbound",
  agency: {},
  opportunity: { status: "New" },
  endedAt: ENDED,
};

describe("nextAttemptAt", () => {
  test.each(["no_answer", "busy", "voicemail"] as const)("retries %s after the default 240 minutes", (outcome) => {
    expect(nextAttemptAt({ ...base, outcome })).toBe(ENDED + 240 * MINUTE);
  });

  test("uses the agency's delay", () => {
    expect(nextAttemptAt({ ...base, agency: { retryDelayMinutes: 30 } })).toBe(ENDED + 30 * MINUTE);
  });

  test.each(["completed", "booked", "rejected", "failed", undefined] as const)("never retries outcome %s", (outcome) => {
    expect(nextAttemptAt({ ...base, outcome })).toBeNull();
  });

  test("stops at maxAttempts (default 3)", () => {
    expect(nextAttemptAt({ ...base, attempt: 2 })).not.toBeNull();
    expect(nextAttemptAt({ ...base, attempt: 3 })).toBeNull();
    expect(nextAttemptAt({ ...base, attempt: 1, agency: { maxAttempts: 1 } })).toBeNull();
    expect(nextAttemptAt({ ...base, attempt: 4, agency: { maxAttempts: 5 } })).not.toBeNull();
  });

  test("never after a booking, a rejection or an opt-out, nor for inbound calls", () => {
    expect(nextAttemptAt({ ...base, opportunity: { status: "Booked" } })).toBeNull();
    expect(nextAttemptAt({ ...base, opportunity: { status: "Rejected" } })).toBeNull();
    expect(nextAttemptAt({ ...base, opportunity: { status: "Contacted", doNotCall: true } })).toBeNull();
    expect(nextAttemptAt({ ...base, direction: "inbound" })).toBeNull();
  });
});

describe("funnelCounts", () => {
  test("counts placed outbound calls by outcome, with rate and cost per booking", () => {
    const placed = (outcome: Parameters<typeof funnelCounts>[0][number]["outcome"], cost: number) => ({
      direction: "outbound" as const,
      vapiCallId: "v",
      outcome,
      cost,
    });
    const f = funnelCounts([
      placed("booked", 0.3),
      placed("booked", 0.2),
      placed("rejected", 0.1),
      placed("completed", 0.1),
      placed("no_answer", 0.01),
      placed("busy", 0.01),
      placed("voicemail", 0.02),
      placed("failed", 0),
      placed(undefined, 0), // still live
      { direction: "outbound", outcome: "failed" }, // refused by Vapi: never placed
      { direction: "inbound", vapiCallId: "in", outcome: "booked", cost: 1 },
    ]);
    expect(f).toEqual({
      placed: 9,
      connected: 4,
      booked: 2,
      rejected: 1,
      noAnswer: 3,
      bookingRate: 0.2222,
      cost: 0.74,
      costPerBookedMeeting: 0.37,
    });
  });

  test("an empty range has no rate and no cost per booking", () => {
    expect(funnelCounts([])).toMatchObject({ placed: 0, bookingRate: 0, costPerBookedMeeting: null });
  });
});

/** The one retry policy (convex/model/retryPolicy.ts): backoff and which failures are worth another attempt. */
import { describe, expect, test } from "vitest";
import { ANALYSIS_RETRY, backoffMs, isRetryable, OUTBOX_RETRY, type RetryPolicy } from "../../convex/model/retryPolicy";

const never = () => 0;
const always = () => 0.999999;

describe("backoff", () => {
  test("outbox: 1, 4, 16, 64 minutes at the bottom of the jitter, then the attempts are spent", () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(OUTBOX_RETRY, a, never))).toEqual([60_000, 240_000, 960_000, 3_840_000]);
    expect(backoffMs(OUTBOX_RETRY, 5, never)).toBeNull();
    expect(backoffMs(OUTBOX_RETRY, 9, always)).toBeNull();
  });

  test("analysis: 30 s, 2 min, 8 min, then no fourth wait (four attempts)", () => {
    expect([1, 2, 3].map((a) => backoffMs(ANALYSIS_RETRY, a, never))).toEqual([30_000, 120_000, 480_000]);
    expect(backoffMs(ANALYSIS_RETRY, ANALYSIS_RETRY.attempts, never)).toBeNull();
  });

  test("jitter adds at most its fraction and never goes past the cap", () => {
    for (let attempt = 1; attempt < OUTBOX_RETRY.attempts; attempt++) {
      const low = backoffMs(OUTBOX_RETRY, attempt, never)!;
      const high = backoffMs(OUTBOX_RETRY, attempt, always)!;
      expect(high).toBeGreaterThan(low);
      expect(high).toBeLessThanOrEqual(Math.min(OUTBOX_RETRY.maxDelayMs, low * (1 + OUTBOX_RETRY.jitter)));
      const random = backoffMs(OUTBOX_RETRY, attempt)!;
      expect(random).toBeGreaterThanOrEqual(low);
      expect(random).toBeLessThanOrEqual(high);
    }
    const capped: RetryPolicy = { attempts: 10, baseDelayMs: 1_000, factor: 10, maxDelayMs: 50_000, jitter: 0.5 };
    expect(backoffMs(capped, 3, never)).toBe(50_000);
    expect(backoffMs(capped, 8, always)).toBe(50_000);
    expect(backoffMs(capped, 2, always)).toBe(15_000);
  });
});

describe("which failures are retryable", () => {
  test.each([
    // Resend
    [{ status: 500, code: "internal_server_error" }, true],
    [{ status: 429, code: "rate_limit_exceeded" }, true],
    [{ status: null, code: "application_error" }, true],
    [{ status: 409, code: "concurrent_idempotent_requests" }, true],
    [{ status: 422, code: "validation_error" }, false],
    [{ status: 403, code: "invalid_api_key" }, false],
    // Slack answers HTTP 200 with its own code
    [{ status: 200, code: "ratelimited" }, true],
    [{ status: 200, code: "channel_not_found" }, false],
    [{ status: 200, code: "invalid_auth" }, false],
    // Twilio, Vapi, Cal.com: the status decides
    [{ status: 503 }, true],
    [{ status: 408 }, true],
    [{ status: 400 }, false],
    [{ status: 404 }, false],
    [{ status: null }, true],
    // Groq: one sample failed its JSON validation; the next may pass. A missing model never comes back.
    [{ status: 400, code: "json_validate_failed" }, true],
    [{ status: 404, code: "model_not_found" }, false],
  ])("%o retryable: %s", (failure, expected) => {
    expect(isRetryable(failure)).toBe(expected);
  });
});

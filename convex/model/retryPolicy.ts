/**
 * The one retry policy for work Atlas retries on its own: how long to wait
 * before the next attempt (exponential, jittered, capped) and which provider
 * failures are worth another attempt at all. Every backoff in Atlas is a
 * RetryPolicy below; the analysis, the outbox and the provider clients ask
 * here. Agency calling retries (a prospect who did not answer) are a different
 * concept with their own rules: model/calls/callRetry.ts.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait after the first failed attempt. */
  baseDelayMs: number;
  /** Each further wait is this many times the one before. */
  factor: number;
  /** No wait is longer than this, jitter included. */
  maxDelayMs: number;
  /** Up to this fraction is added at random, so retries of one outage do not arrive together. */
  jitter: number;
}

/**
 * Outbound messages (emails, Slack, SMS): 1, 4, 16, 64 minutes, then failed. A provider outage of about
 * an hour and a half is ridden out; a confirmation that waits longer is better told to staff as failed.
 */
export const OUTBOX_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 60_000, factor: 4, maxDelayMs: 2 * 60 * 60_000, jitter: 0.2 };

/** Transcript analysis at Groq: 30 s, 2 min, 8 min, then a review task. */
export const ANALYSIS_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 30_000, factor: 4, maxDelayMs: 10 * 60_000, jitter: 0.2 };

/** A Google Calendar sync that failed for a passing reason (a refresh under way, Google unreachable): 30 s, 2 min, then the 10-minute cron. */
export const CALENDAR_SYNC_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 30_000, factor: 4, maxDelayMs: 5 * 60_000, jitter: 0.2 };
/**
 * A reconciliation page a provider rate-limited (429) or did not answer: 1, 2, 4, 8, 16 minutes, then every
 * 30 minutes (callers keep the cap once attempts are spent: the rest of the page is never dropped).
 */
export const RECONCILE_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 60_000, factor: 2, maxDelayMs: 30 * 60_000, jitter: 0.2 };
/**
 * A dial Vapi refused for concurrency goes back to the pacing queue, never failed: due again after
 * 15 s, 30 s, 1 min... up to 5 min, so a Vapi organisation busier than the gate's ledger (inbound calls
 * beyond the reserve) is not asked in a tight loop.
 */
export const CONCURRENCY_REQUEUE: RetryPolicy = { attempts: Infinity, baseDelayMs: 15_000, factor: 2, maxDelayMs: 5 * 60_000, jitter: 0.2 };

/** A random number in [0, 1): injected by tests, Math.random otherwise. */
export type RandomSource = () => number;

/**
 * The wait after failed attempt `attempt` (1-based) before the next one, or
 * null when the policy's attempts are spent. Never below the nominal
 * base x factor^(attempt-1) (capped), never above the cap.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: RandomSource = Math.random): number | null {
  if (attempt >= policy.attempts) return null;
  const nominal = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(Math.min(policy.maxDelayMs, nominal * (1 + policy.jitter * random())));
}

/** A provider's answer that was not a success: HTTP status (null when no reply came) and its error code, if any. */
export interface ProviderFailure {
  status: number | null;
  code?: string;
}

/**
 * Error codes that mean "try again" whatever the status says: Resend's
 * concurrent request on one idempotency key (409), Slack's transient codes
 * (sent with HTTP 200), Groq's failed JSON validation of one sample (400).
 * Any other code on a 4xx fails the same way again.
 */
const RETRYABLE_CODES = new Set([
  "concurrent_idempotent_requests",
  "ratelimited",
  "internal_error",
  "fatal_error",
  "request_timeout",
  "service_unavailable",
  "json_validate_failed",
  // Google Calendar's quota and backend reasons (403/500 `errors[].reason`): back off and try again.
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "backendError",
]);

/** Shared by Resend, Slack, Twilio, Groq, Vapi, Cal.com and Google: no reply, 408, 429, 5xx, or a transient code. */
export function isRetryable(failure: ProviderFailure): boolean {
  if (failure.code !== undefined && RETRYABLE_CODES.has(failure.code)) return true;
  if (failure.status === null) return true;
  return failure.status === 408 || failure.status === 429 || failure.status >= 500;
}

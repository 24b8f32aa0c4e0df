/**
 * Retry policy for outbound messages recorded in the `deliveries` ledger.
 * Pure: the Convex wrappers decide nothing about timing or error classes themselves.
 */
import { MINUTE } from "./availability";

export const MAX_DELIVERY_ATTEMPTS = 5;
/** Wait after failed attempt n (1-based) before attempt n + 1. */
const RETRY_DELAYS_MINUTES = [1, 5, 30, 120];
/** A claimed delivery is someone else's for this long (longer than an action can run). */
export const DELIVERY_LEASE_MS = 15 * MINUTE;

/** Delay before the next attempt, or null when the attempts are used up. */
export function retryDelayMs(attempt: number): number | null {
  if (attempt >= MAX_DELIVERY_ATTEMPTS) return null;
  return RETRY_DELAYS_MINUTES[Math.min(attempt, RETRY_DELAYS_MINUTES.length) - 1] * MINUTE;
}

export interface ProviderError {
  statusCode: number | null;
  name: string;
  message: string;
}

/**
 * Transient failures (network, 429, 5xx, and a concurrent request on the same
 * idempotency key) are worth another try; any other 4xx will fail the same way again.
 */
export function isRetryable(error: ProviderError): boolean {
  if (error.statusCode === null) return true;
  if (error.statusCode === 429 || error.statusCode >= 500) return true;
  return error.name === "concurrent_idempotent_requests";
}

/** Status, code and message only, bounded: provider messages never carry our credentials. */
export function describeError(error: ProviderError): string {
  return `${error.statusCode ?? "network"} ${error.name}: ${error.message}`.slice(0, 300);
}

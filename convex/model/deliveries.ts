/**
 * The exactly-once ledger for outbound messages. A key names one message for
 * ever ("booking_link:<callId>"): the first claim inserts a pending row and wins,
 * every later claim (a re-run analysis, a duplicate webhook) sees the row and
 * sends nothing. Claiming is transactional, so two claims cannot both win.
 */
import type { MutationCtx } from "../_generated/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { SendResult } from "./email";

export const MAX_DELIVERY_ATTEMPTS = 4;
/** Backoff before attempt 2, 3, 4. */
export const DELIVERY_RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000];

export async function claimDelivery(
  ctx: MutationCtx,
  claim: { key: string; agencyId: Id<"agencies">; channel: Doc<"deliveries">["channel"] },
): Promise<{ deliveryId: Id<"deliveries">; claimed: boolean }> {
  const existing = await ctx.db
    .query("deliveries")
    .withIndex("by_key", (q) => q.eq("key", claim.key))
    .first();
  if (existing) return { deliveryId: existing._id, claimed: false };
  const deliveryId = await ctx.db.insert("deliveries", { ...claim, status: "pending", attempts: 0 });
  return { deliveryId, claimed: true };
}

/** The ledger row after one send attempt, and whether to try again (and when). */
export function afterAttempt(
  attempts: number,
  result: SendResult,
  now: number,
): { patch: Partial<Doc<"deliveries">>; retryInMs: number | null } {
  if (result.status === "sent") {
    return { patch: { status: "sent", attempts, providerMessageId: result.providerMessageId, sentAt: now }, retryInMs: null };
  }
  if (result.status === "disabled") return { patch: { status: "disabled", attempts, lastError: result.reason }, retryInMs: null };
  const retry = result.retryable && attempts < MAX_DELIVERY_ATTEMPTS;
  return {
    patch: { status: retry ? "pending" : "failed", attempts, lastError: result.error },
    retryInMs: retry ? (DELIVERY_RETRY_DELAYS_MS[attempts - 1] ?? DELIVERY_RETRY_DELAYS_MS.at(-1)!) : null,
  };
}

/**
 * The exactly-once ledger for outbound messages (`deliveries`) and its one retry
 * policy. A key names one message for ever ("booking_link:<callId>",
 * "invite:<meetingId>:<sequence>:prospect"): the first claim inserts a pending row
 * and wins; later claims (a re-run analysis, a duplicate webhook) send nothing.
 */
import { v, type Infer } from "convex/values";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Doc, Id } from "../_generated/dataModel";
import { MINUTE } from "./availability";
import type { SendResult } from "./email";

/** What a post-call prospect email says (its content is built when it is sent). */
export const prospectEmail = v.union(
  v.object({ kind: v.literal("booking_link") }),
  v.object({ kind: v.literal("free_slots"), slots: v.array(v.number()) }),
);

/** What the sweep runs to send a row again: the sender that wrote it, with the same key. */
export const deliveryResend = v.union(
  v.object({ kind: v.literal("invite"), meetingId: v.id("meetings") }),
  v.object({ kind: v.literal("prospect_email"), callId: v.id("calls"), email: prospectEmail }),
);
export type DeliveryResend = Infer<typeof deliveryResend>;

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

/** The ledger row for one message key, if any. */
export async function deliveryByKey(ctx: QueryCtx, key: string): Promise<Doc<"deliveries"> | null> {
  return await ctx.db
    .query("deliveries")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
}

export async function claimDelivery(
  ctx: MutationCtx,
  claim: { key: string; agencyId: Id<"agencies">; channel: Doc<"deliveries">["channel"]; resend: DeliveryResend },
): Promise<{ deliveryId: Id<"deliveries">; claimed: boolean }> {
  const existing = await deliveryByKey(ctx, claim.key);
  if (existing) return { deliveryId: existing._id, claimed: false };
  const deliveryId = await ctx.db.insert("deliveries", {
    ...claim,
    status: "pending",
    attempts: 0,
    checkAt: Date.now() + DELIVERY_LEASE_MS,
  });
  return { deliveryId, claimed: true };
}

/**
 * What the sweep does with a pending row nobody settled by its checkAt (the
 * action died, or its scheduled run was lost): send it again through its own
 * sender, which reuses the key (Resend drops a repeat of an idempotency key, so
 * a send that did reach Resend is not a second email), or give up once the
 * attempts are spent. The next check is one lease later.
 */
export function sweepDecision(row: Doc<"deliveries">, now: number): { resend: DeliveryResend | null; patch: Partial<Doc<"deliveries">> } {
  if (!row.resend || row.attempts >= MAX_DELIVERY_ATTEMPTS) {
    return {
      resend: null,
      patch: {
        status: "failed",
        lastError: row.resend ? "no attempt settled it and the attempts are spent" : "no attempt settled it and it cannot be resent",
        leaseUntil: undefined,
        checkAt: undefined,
      },
    };
  }
  // A lost attempt counts as one: a row whose sender keeps dying still ends.
  return { resend: row.resend, patch: { attempts: row.attempts + 1, leaseUntil: undefined, checkAt: now + DELIVERY_LEASE_MS } };
}

/** The ledger row after one send attempt, and whether to try again (and when). */
export function afterAttempt(
  attempts: number,
  result: SendResult,
  now: number,
): { patch: Partial<Doc<"deliveries">>; retryInMs: number | null } {
  if (result.status === "sent") {
    return {
      patch: { status: "sent", attempts, providerMessageId: result.providerMessageId, sentAt: now, checkAt: undefined },
      retryInMs: null,
    };
  }
  if (result.status === "disabled") {
    return { patch: { status: "disabled", attempts, lastError: result.reason, checkAt: undefined }, retryInMs: null };
  }
  const retryInMs = result.retryable ? retryDelayMs(attempts) : null;
  if (retryInMs === null) return { patch: { status: "failed", attempts, lastError: result.error, checkAt: undefined }, retryInMs };
  return { patch: { status: "pending", attempts, lastError: result.error, checkAt: now + retryInMs + DELIVERY_LEASE_MS }, retryInMs };
}

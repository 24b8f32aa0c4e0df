/**
 * The outbox's one status machine, pure. Every outbound message (invites,
 * prospect emails, staff notifications realtime and digest) is one row:
 *
 *   composing ──release──▶ pending ──claim──▶ sending ──sent──▶ sent
 *                            ▲                   │
 *                            └──retryable, wait──┤──permanent / attempts spent──▶ failed
 *                                                └──lost (lease over, or no reply): idempotent channel ▶ pending again,
 *                                                                                     otherwise ▶ unknown (staff decide)
 *   pending ──claim finds the channel off / the target gone──▶ disabled / skipped
 *
 * One idempotency rule per channel (model/channels): where the provider drops
 * a repeat of the key (Resend) a lost outcome is sent again under the same
 * key; where it does not (Slack, SMS) an unknown outcome is never sent again.
 */
import { v, type Infer } from "convex/values";
import { backoffMs, OUTBOX_RETRY, type RandomSource } from "../retryPolicy";
import type { SendOutcome } from "../channels/shared";

export const outboxStatus = v.union(
  v.literal("composing"), // a digest still gathering its items; released when the agency's digest is complete
  v.literal("pending"), // waiting for (another) attempt
  v.literal("sending"), // claimed by one attempt (leased); never sent twice
  v.literal("unknown"), // the attempt died mid-send on a channel without idempotency: it may have arrived; staff decide
  v.literal("sent"),
  v.literal("failed"), // permanent error or attempts spent
  v.literal("skipped"), // nothing to send to: destination removed or unconfigured, recipient without address, superseded
  v.literal("disabled"), // the channel is off in this deployment (email without RESEND_API_KEY / EMAIL_FROM)
);
export type OutboxStatus = Infer<typeof outboxStatus>;

/** A claimed row is its attempt's for this long (an action runs at most 10 minutes); then the sweep settles it. */
export const LEASE_MS = 15 * 60_000;

export interface LedgerRow {
  status: OutboxStatus;
  attempts: number;
}

export interface Transition {
  status?: OutboxStatus;
  attempts?: number;
  lastError?: string;
  providerMessageId?: string;
  sentAt?: number;
  /** While pending or sending: when the sweep looks at the row if no attempt has settled it. undefined once settled. */
  checkAt: number | undefined;
}

/** Only a pending row can be claimed; the claim leases it to one attempt. */
export function claim(row: LedgerRow, now: number): Transition | null {
  if (row.status !== "pending") return null;
  return { status: "sending", attempts: row.attempts + 1, checkAt: now + LEASE_MS };
}

/** Settling a row before any attempt: disabled or skipped, with the reason. */
export function settle(status: "skipped" | "disabled", reason: string): Transition {
  return { status, lastError: reason, checkAt: undefined };
}

/**
 * A row after its attempt reported. Only the attempt holding it ("sending")
 * moves it, except that an `unknown` row learns a late success. Returns null
 * for a report nobody is waiting for (a duplicate or a late retry).
 */
export function afterAttempt(
  row: LedgerRow,
  outcome: SendOutcome,
  now: number,
  random?: RandomSource,
  /** The channel drops a repeat of the key (model/channels Channel.idempotent). */
  idempotent = true,
): { patch: Transition; retryInMs: number | null } | null {
  if (outcome.ok && (row.status === "sending" || row.status === "unknown")) {
    return { patch: { status: "sent", sentAt: now, providerMessageId: outcome.providerMessageId, checkAt: undefined }, retryInMs: null };
  }
  if (row.status !== "sending" || outcome.ok) return null;
  if (outcome.noReply && !idempotent) {
    // The request may have reached the provider: a resend could deliver it twice.
    return { patch: { status: "unknown", lastError: `${outcome.error}: it may have arrived, so it is not resent`, checkAt: undefined }, retryInMs: null };
  }
  const retryInMs = outcome.retryable ? backoffMs(OUTBOX_RETRY, row.attempts, random) : null;
  if (retryInMs === null) return { patch: { status: "failed", lastError: outcome.error, checkAt: undefined }, retryInMs };
  return { patch: { status: "pending", lastError: outcome.error, checkAt: now + retryInMs + LEASE_MS }, retryInMs };
}

export type SweepOutcome = "resent" | "unknown" | "failed";

/**
 * A row no attempt settled by its checkAt. A pending one's action never ran:
 * it goes again. A sending one's attempt died mid-send: on an idempotent
 * channel it goes again under the same key (until the attempts are spent),
 * otherwise it may have arrived and becomes `unknown` instead of risking a
 * second copy.
 */
export function sweep(
  row: LedgerRow & { channel: string },
  idempotent: boolean,
  now: number,
): { outcome: SweepOutcome; patch: Transition } {
  if (row.status === "sending" && !idempotent) {
    return {
      outcome: "unknown",
      patch: { status: "unknown", lastError: `the ${row.channel} attempt died mid-send: it may have arrived, so it is not resent`, checkAt: undefined },
    };
  }
  if (row.attempts >= OUTBOX_RETRY.attempts) {
    return { outcome: "failed", patch: { status: "failed", lastError: "no attempt settled it and the attempts are spent", checkAt: undefined } };
  }
  if (row.status === "pending") return { outcome: "resent", patch: { checkAt: now + LEASE_MS } };
  return { outcome: "resent", patch: { status: "pending", lastError: "attempt lost; sent again under the same idempotency key", checkAt: now + LEASE_MS } };
}

/** Staff settle an unknown row after looking at the channel; nothing is sent. */
export function resolveUnknown(row: LedgerRow, arrived: boolean): Transition | null {
  if (row.status !== "unknown") return null;
  return arrived ? { status: "sent", checkAt: undefined } : { status: "failed", lastError: "staff: did not arrive", checkAt: undefined };
}

/**
 * The outbox ledger in a transaction: queue a message once per key, and look
 * rows up. Sending is convex/outbox.ts (claim, send, record, sweep).
 */
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import type { OutboxChannel, OutboxMessage } from "./messages";
import { LEASE_MS } from "./status";

export async function outboxByKey(ctx: QueryCtx, key: string): Promise<Doc<"outbox"> | null> {
  return await ctx.db
    .query("outbox")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
}

/** Starts the send of a pending row; the sweep takes it over if this run is lost. */
export async function scheduleSend(ctx: MutationCtx, outboxId: Id<"outbox">, delayMs = 0): Promise<void> {
  await ctx.scheduler.runAfter(delayMs, internal.outbox.send, { outboxId });
}

/**
 * Queues one message under its key, once: a later enqueue of the same key (a
 * re-run analysis, a duplicate webhook, a confirmation run twice) sends
 * nothing, except that a row left `disabled` is queued again (the channel may
 * be on now). `composing` rows (digests) are written but not sent yet.
 */
export async function enqueue(
  ctx: MutationCtx,
  m: { key: string; agencyId: Id<"agencies">; channel: OutboxChannel; message: OutboxMessage; composing?: boolean },
  /** false: the caller (an action) sends it at once with model/outbox/deliver.ts; the sweep covers its death. */
  schedule = true,
): Promise<{ outboxId: Id<"outbox">; queued: boolean }> {
  const now = Date.now();
  const existing = await outboxByKey(ctx, m.key);
  if (existing) {
    if (existing.status !== "disabled") return { outboxId: existing._id, queued: false };
    await ctx.db.patch("outbox", existing._id, { status: "pending", message: m.message, checkAt: now + LEASE_MS });
    if (schedule) await scheduleSend(ctx, existing._id);
    return { outboxId: existing._id, queued: true };
  }
  const outboxId = await ctx.db.insert("outbox", {
    key: m.key,
    agencyId: m.agencyId,
    channel: m.channel,
    message: m.message,
    status: m.composing ? "composing" : "pending",
    attempts: 0,
    createdAt: now,
    checkAt: m.composing ? undefined : now + LEASE_MS,
  });
  if (!m.composing && schedule) await scheduleSend(ctx, outboxId);
  return { outboxId, queued: true };
}

/** A composed digest (or any composing row) becomes pending and is sent. */
export async function release(ctx: MutationCtx, row: Doc<"outbox">, message: OutboxMessage): Promise<void> {
  await ctx.db.patch("outbox", row._id, { status: "pending", message, checkAt: Date.now() + LEASE_MS });
  await scheduleSend(ctx, row._id);
}

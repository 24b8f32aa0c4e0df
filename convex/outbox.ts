/**
 * The one send path for every outbound message: claim (pending → sending,
 * leased; the message built as it is now), send (the channel adapter, the
 * secret decrypted here and nowhere else), record (the status machine decides
 * sent, a retry after the backoff, or failed), and the sweep for rows whose
 * attempt was lost. Queueing is model/outbox/ledger.ts `enqueue`; one attempt
 * from an action is model/outbox/deliver.ts.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction } from "./_generated/server";
import { internalMutation } from "./functions";
import { channelOf } from "./model/channels";
import { planCalendarWrite, recordEventWritten } from "./model/calendar/events";
import { sendOutcome } from "./model/channels/shared";
import { logEvent } from "./model/log";
import { deliver, isIdempotent } from "./model/outbox/deliver";
import { scheduleSend } from "./model/outbox/ledger";
import { claimedJob } from "./model/outbox/messages";
import { render } from "./model/outbox/render";
import { afterAttempt, claim as claimRow, settle, sweep as sweepRow } from "./model/outbox/status";
import { afterOutboxChange } from "./model/texts/ledger";

/** Stale rows settled per sweep transaction and status; a full batch sweeps again at once. */
export const SWEEP_BATCH = 100;

/**
 * Moves a pending row to "sending" for one attempt and hands the action the
 * message built now. Anything not pending returns null, so a duplicate or late
 * run never sends twice. A channel switched off, or nothing to send to, is
 * settled here as disabled or skipped.
 */
export const claim = internalMutation({
  args: { outboxId: v.id("outbox") },
  returns: v.union(v.null(), claimedJob),
  handler: async (ctx, { outboxId }) => {
    const row = await ctx.db.get("outbox", outboxId);
    const now = Date.now();
    const claimed = row && claimRow(row, now);
    if (!row || !claimed) return null;
    const log = { outboxId, kind: row.message.kind, channel: row.channel };
    if (row.channel === "google_calendar") {
      const plan = await planCalendarWrite(ctx, row);
      if (!("job" in plan)) {
        const [status, reason] = "skip" in plan ? (["skipped", plan.skip] as const) : (["disabled", plan.disabled] as const);
        await ctx.db.patch("outbox", outboxId, settle(status, reason));
        logEvent("outbox.settled", { ...log, status, reason });
        return null;
      }
      await ctx.db.patch("outbox", outboxId, claimed);
      return plan.job;
    }
    const disabled = channelOf(row.channel).disabledReason(process.env);
    const rendered = disabled === null ? await render(ctx, row) : { skip: disabled };
    if ("skip" in rendered) {
      const status = disabled === null ? "skipped" : "disabled";
      const settled = settle(status, rendered.skip);
      await ctx.db.patch("outbox", outboxId, settled);
      await afterOutboxChange(ctx, row, settled);
      logEvent("outbox.settled", { ...log, status, reason: rendered.skip });
      return null;
    }
    const { draft, sealedSecret } = rendered;
    await ctx.db.patch("outbox", outboxId, claimed);
    return { channel: row.channel, message: { ...draft, idempotencyKey: row.key }, sealedSecret };
  },
});

/** Records one attempt; a retryable failure goes back to pending and is sent again after the backoff. */
export const record = internalMutation({
  args: { outboxId: v.id("outbox"), outcome: sendOutcome },
  returns: v.null(),
  handler: async (ctx, { outboxId, outcome }) => {
    const row = await ctx.db.get("outbox", outboxId);
    const next = row && afterAttempt(row, outcome, Date.now(), undefined, isIdempotent(row.channel));
    if (!row || !next) return null;
    await ctx.db.patch("outbox", outboxId, next.patch);
    if (outcome.ok) await recordEventWritten(ctx, row, outcome.providerMessageId);
    await afterOutboxChange(ctx, row, next.patch, outcome);
    if (next.retryInMs !== null) await scheduleSend(ctx, outboxId, next.retryInMs);
    const result = next.retryInMs !== null ? "retry" : next.patch.status;
    logEvent(`${row.message.kind}.${result}`, {
      outboxId,
      channel: row.channel,
      attempts: row.attempts,
      retryInMs: next.retryInMs,
      error: outcome.ok ? undefined : outcome.error,
    });
    return null;
  },
});

/** Sends one row: claim, call the channel, record. Never throws into anyone. */
export const send = internalAction({
  args: { outboxId: v.id("outbox") },
  returns: v.null(),
  handler: async (ctx, { outboxId }) => {
    await deliver(ctx, outboxId);
    return null;
  },
});

/**
 * Cron target: settles rows no attempt settled by their checkAt (the sending
 * action died, or its scheduled run was lost). A pending row is sent again; a
 * row lost mid-send goes again under the same key on an idempotent channel
 * (email) and becomes `unknown` on the others (Slack, SMS: it may have
 * arrived; notifications.listDeliveries shows it to staff). Bounded batches;
 * a full one sweeps again at once.
 */
export const sweep = internalMutation({
  args: {},
  returns: v.object({ resent: v.number(), unknown: v.number(), failed: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const counts = { resent: 0, unknown: 0, failed: 0 };
    let full = false;
    for (const status of ["pending", "sending"] as const) {
      // gt(0) leaves out rows without checkAt (settled ones).
      const stale = await ctx.db
        .query("outbox")
        .withIndex("by_status_and_check", (q) => q.eq("status", status).gt("checkAt", 0).lt("checkAt", now))
        .take(SWEEP_BATCH);
      full ||= stale.length === SWEEP_BATCH;
      for (const row of stale) {
        const { outcome, patch } = sweepRow(row, isIdempotent(row.channel), now);
        await ctx.db.patch("outbox", row._id, patch);
        await afterOutboxChange(ctx, row, patch);
        if (outcome === "resent") await scheduleSend(ctx, row._id);
        counts[outcome]++;
        logEvent("outbox.swept", { outboxId: row._id, kind: row.message.kind, channel: row.channel, was: status, outcome });
      }
    }
    if (full) await ctx.scheduler.runAfter(0, internal.outbox.sweep, {});
    return counts;
  },
});

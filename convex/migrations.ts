/**
 * Data migrations, run once per deployment after deploying the code that needs
 * them: `npx convex run migrations:migrateCalls`, `npx convex run migrations:migrateOutbox`. Each run does one bounded
 * batch, stores its cursor and schedules the next, so it is resumable (run it
 * again after a failure: it continues where it stopped) and idempotent (run it
 * with `{"restart": true}` to go over every call again).
 */
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { syncFunnel } from "./model/calls/funnelCounters";
import { logEvent } from "./model/log";
import { withReplyAsJson } from "./model/analysis/record";
import { fromDelivery, fromNotificationDelivery } from "./model/outbox/legacy";
import { outboxByKey } from "./model/outbox/ledger";

const MIGRATE_CALLS = "calls-offers-and-funnel";
const DEFAULT_BATCH = 100;
const MAX_BATCH = 500;

/**
 * One call brought up to date: its prompt moved to callOffers (a row written
 * since, by a refreshed offer, wins), the never-read snapshot fields unset, its
 * analysis's reply object stored as replyJson, and its share of the funnel counted.
 */
async function migrateCall(ctx: MutationCtx, call: Doc<"calls">): Promise<void> {
  if (call.promptContext !== undefined || call.futureMeetings !== undefined || call.agencyAvailabilityWindows !== undefined) {
    if (call.promptContext !== undefined) {
      const moved = await ctx.db
        .query("callOffers")
        .withIndex("by_call", (q) => q.eq("callId", call._id))
        .unique();
      if (!moved) await ctx.db.insert("callOffers", { callId: call._id, promptContext: call.promptContext });
    }
    await ctx.db.patch("calls", call._id, { promptContext: undefined, futureMeetings: undefined, agencyAvailabilityWindows: undefined });
  }
  // An analysis stored before replyJson keeps its reply as text, readable whatever the reply schema became.
  const analysis = withReplyAsJson(call.bookingAnalysis);
  if (analysis) await ctx.db.patch("calls", call._id, { bookingAnalysis: analysis });
  // Calls written before the counters existed were never counted; the entry makes this a no-op for the others.
  await syncFunnel(ctx.db, call._id, await ctx.db.get("calls", call._id));
}

export const migrateCalls = internalMutation({
  args: { batchSize: v.optional(v.number()), restart: v.optional(v.boolean()) },
  returns: v.object({ processed: v.number(), done: v.boolean() }),
  handler: async (ctx, { batchSize = DEFAULT_BATCH, restart = false }) => {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
      throw new ConvexError(`batchSize must be a whole number from 1 to ${MAX_BATCH}`);
    }
    const now = Date.now();
    let run = await ctx.db
      .query("migrationRuns")
      .withIndex("by_name", (q) => q.eq("name", MIGRATE_CALLS))
      .unique();
    if (!run) {
      const id = await ctx.db.insert("migrationRuns", { name: MIGRATE_CALLS, cursor: null, done: false, processed: 0, updatedAt: now });
      run = (await ctx.db.get("migrationRuns", id))!;
    } else if (restart) {
      await ctx.db.patch("migrationRuns", run._id, { cursor: null, done: false, processed: 0, updatedAt: now });
      run = { ...run, cursor: null, done: false, processed: 0 };
    }
    if (run.done) return { processed: run.processed, done: true };
    const page = await ctx.db.query("calls").paginate({ cursor: run.cursor, numItems: batchSize });
    for (const call of page.page) await migrateCall(ctx, call);
    const processed = run.processed + page.page.length;
    await ctx.db.patch("migrationRuns", run._id, { cursor: page.continueCursor, done: page.isDone, processed, updatedAt: now });
    if (!page.isDone) await ctx.scheduler.runAfter(0, internal.migrations.migrateCalls, { batchSize });
    logEvent("migration.batch", { name: MIGRATE_CALLS, batch: page.page.length, processed, done: page.isDone });
    return { processed, done: page.isDone };
  },
});

/**
 * Moves the two old ledgers (`deliveries`, `notificationDeliveries`) into the
 * outbox: `npx convex run migrations:migrateOutbox`. Each run moves up to
 * `batchSize` rows of each (insert into the outbox under the same key, delete
 * the old row, one transaction), then schedules the next run while rows remain.
 * Resumable and idempotent without a cursor: what was moved is gone, and a row
 * whose key is already in the outbox is only deleted. Open rows arrive due for
 * the sweep (their old senders no longer exist), which sends them again under
 * their key (emails) or marks them unknown (Slack, SMS caught mid-send).
 */
export const migrateOutbox = internalMutation({
  args: { batchSize: v.optional(v.number()) },
  returns: v.object({ moved: v.number(), done: v.boolean() }),
  handler: async (ctx, { batchSize = DEFAULT_BATCH }) => {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
      throw new ConvexError(`batchSize must be a whole number from 1 to ${MAX_BATCH}`);
    }
    const emails = await ctx.db.query("deliveries").take(batchSize);
    const notifications = await ctx.db.query("notificationDeliveries").take(batchSize);
    let moved = 0;
    const move = async (next: ReturnType<typeof fromDelivery>) => {
      if (await outboxByKey(ctx, next.key)) return;
      await ctx.db.insert("outbox", next);
      moved++;
    };
    for (const row of emails) {
      await move(fromDelivery(row));
      await ctx.db.delete("deliveries", row._id);
    }
    for (const row of notifications) {
      await move(fromNotificationDelivery(row));
      await ctx.db.delete("notificationDeliveries", row._id);
    }
    const done = emails.length < batchSize && notifications.length < batchSize;
    if (!done) await ctx.scheduler.runAfter(0, internal.migrations.migrateOutbox, { batchSize });
    logEvent("migration.batch", { name: "outbox", batch: emails.length + notifications.length, moved, done });
    return { moved, done };
  },
});

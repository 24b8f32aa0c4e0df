/**
 * Data migrations, run once per deployment after deploying the code that needs
 * them: `npx convex run migrations:migrateCalls`. Each run does one bounded
 * batch, stores its cursor and schedules the next, so it is resumable (run it
 * again after a failure: it continues where it stopped) and idempotent (run it
 * with `{"restart": true}` to go over every call again).
 */
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { syncFunnel } from "./model/funnelCounters";
import { logEvent } from "./model/log";

const MIGRATE_CALLS = "calls-offers-and-funnel";
const DEFAULT_BATCH = 100;
const MAX_BATCH = 500;

/**
 * One call brought up to date: its prompt moved to callOffers (a row written
 * since, by a refreshed offer, wins), the never-read snapshot fields unset, and
 * its share of the funnel counted.
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

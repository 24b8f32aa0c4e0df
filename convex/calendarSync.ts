/**
 * Reconciliation: meetings checked against the calendars that hold them (the
 * prospect's Cal.com link, the agency's own Cal.com or Calendly, Atlas's event
 * in the agency's Google Calendar), bookings made
 * on the agency's link found, outcomes settled. The cron runs `run` every five
 * minutes; each agency gets one bounded page per run (model/calendarSync/page.ts),
 * provider calls in an action, changes in one mutation. `backfill` brings an
 * agency's history in once, resumably.
 */
import { v } from "convex/values";
import { internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import { applyPage as applyReconcilePage, pageResult, plan, planPage as planReconcilePage } from "./model/calendarSync/page";
import { askProviders, type GoogleSession } from "./model/calendarSync/ask";
import { accessFor } from "./model/calendar/access";
import { GoogleConfigError } from "./model/providers/googleCalendar";
import { SecretError } from "./model/secrets";
import { backfillPage } from "./model/calendarSync/backfill";
import { logEvent } from "./model/log";

/** Agencies whose pages one run schedules before it continues in another transaction. */
const AGENCIES_PER_RUN = 100;

/** The cron's entry: one page per agency (those waiting out a rate limit keep their scheduled retry). */
export const run = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.object({ scheduled: v.number() }),
  handler: async (ctx, { cursor }) => {
    const now = Date.now();
    const agencies = await ctx.db.query("agencies").paginate({ cursor: cursor ?? null, numItems: AGENCIES_PER_RUN });
    let scheduled = 0;
    for (const agency of agencies.page) {
      const state = await ctx.db
        .query("calendarSyncState")
        .withIndex("by_agency", (q) => q.eq("agencyId", agency._id))
        .unique();
      if (state?.retryAt !== undefined && state.retryAt > now) continue;
      await ctx.scheduler.runAfter(0, internal.calendarSync.syncAgency, { agencyId: agency._id });
      scheduled++;
    }
    if (!agencies.isDone) await ctx.scheduler.runAfter(0, internal.calendarSync.run, { cursor: agencies.continueCursor });
    return { scheduled };
  },
});

export const planPage = internalQuery({
  args: { agencyId: v.id("agencies"), now: v.number() },
  returns: plan,
  handler: (ctx, { agencyId, now }) => planReconcilePage(ctx, agencyId, now),
});

export const applyPage = internalMutation({
  args: { agencyId: v.id("agencies"), result: pageResult, now: v.number(), rewrite: v.optional(v.array(v.id("meetings"))) },
  returns: v.object({ changed: v.number(), recorded: v.number(), retryInMs: v.union(v.number(), v.null()) }),
  handler: async (ctx, { agencyId, result, now, rewrite }) => {
    const applied = await applyReconcilePage(ctx, agencyId, result, now, rewrite);
    // Rate-limited: the rest of this page is asked again after the policy's wait.
    if (applied.retryInMs !== null) await ctx.scheduler.runAfter(applied.retryInMs, internal.calendarSync.syncAgency, { agencyId });
    return applied;
  },
});

/** One page of one agency: plan, ask the providers, apply. */
export const syncAgency = internalAction({
  args: { agencyId: v.id("agencies") },
  returns: v.null(),
  handler: async (ctx, { agencyId }): Promise<null> => {
    const now = Date.now();
    const planned = await ctx.runQuery(internal.calendarSync.planPage, { agencyId, now });
    // Applied even when empty: an empty page after the watermark starts the scope over.
    const google: GoogleSession = {
      open: async () => {
        try {
          return await accessFor(ctx, agencyId);
        } catch (e) {
          // A token that no longer decrypts, or Google settings gone: the same every time, so an answer, not a retry.
          if (e instanceof SecretError || e instanceof GoogleConfigError) return { stopped: e.message };
          throw e;
        }
      },
      refused: async () => {
        await ctx.runMutation(internal.calendar.expireAccessToken, { agencyId });
      },
    };
    const result = await askProviders(planned, google);
    await ctx.runMutation(internal.calendarSync.applyPage, { agencyId, result, now, rewrite: planned.rewrite });
    logEvent("reconcile.agency", { agencyId, meetings: planned.meetings.length, lookups: planned.lookups.length, rateLimited: result.rateLimited });
    return null;
  },
});

/** Resumable: each call does one page and schedules the next; a finished run is a no-op. */
export const backfill = internalMutation({
  args: { agencyId: v.id("agencies") },
  returns: v.object({ status: v.union(v.literal("running"), v.literal("done")), processed: v.number() }),
  handler: async (ctx, { agencyId }) => {
    const page = await backfillPage(ctx, agencyId, Date.now());
    if (page.more) await ctx.scheduler.runAfter(0, internal.calendarSync.backfill, { agencyId });
    return { status: page.status, processed: page.processed };
  },
});

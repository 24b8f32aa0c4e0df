/**
 * The agency's Google Calendar: connect (consent URL and the OAuth callback),
 * disconnect, status, and the sync that stores busy blocks and sends held
 * event writes. Busy blocks count in availability (model/scheduling); meetings
 * reach the calendar through the outbox (model/calendar/events.ts). And the
 * agency's own booking system (Cal.com or Calendly) by API key, checked with the
 * provider when saved and stored encrypted; the key is never returned, listed or logged.
 */
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import { httpAction, internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { syncBusy } from "./model/calendar/access";
import { pruneBusyPage, storeBusyBatch } from "./model/calendar/busy";
import {
  beginTokenUse as beginUse,
  connectionOf,
  consumeState as consume,
  expireAccessToken as expire,
  finishTokenRefresh as finishRefresh,
  flagSyncError as flag,
  issueState,
  markNeedsReauth as needsReauth,
  markSynced as synced,
  releaseHeldEvents,
  saveConnection as save,
  syncDue,
} from "./model/calendar/connection";
import { callbackPage, completeConsent } from "./model/calendar/consent";
import { connectionStatus } from "./model/calendar/tables";
import { logEvent } from "./model/log";
import { cleanApiKey, verifyApiKey } from "./model/calendarSync/connections";
import { keyedProvider } from "./model/meetings/validators";
import { encryptSecret, SecretError } from "./model/secrets";
import { backoffMs, CALENDAR_SYNC_RETRY } from "./model/retryPolicy";
import { consentUrl, GoogleConfigError, oauthClientFromEnv } from "./model/providers/googleCalendar";

/** Connections whose sync one cron transaction schedules; a full page schedules the next. */
export const SYNC_FANOUT_BATCH = 50;
/** Busy blocks status counts at most (the count stays a cheap, bounded read). */
export const STATUS_COUNT_LIMIT = 5000;

/**
 * Staff connect the agency's calendar: open the returned Google consent link.
 * Its `state` is random, single-use and valid 10 minutes; the callback learns
 * the agency from it alone.
 */
export const connectUrl = internalMutation({
  args: { agencyId: v.id("agencies") },
  returns: v.string(),
  handler: async (ctx, { agencyId }) => {
    if (!(await ctx.db.get("agencies", agencyId))) throw new ConvexError(`agency ${agencyId} not found`);
    let client;
    try {
      client = oauthClientFromEnv(process.env);
    } catch (e) {
      if (e instanceof GoogleConfigError) throw new ConvexError(e.message);
      throw e;
    }
    const state = await issueState(ctx, agencyId, Date.now());
    logEvent("calendar.connect_started", { agencyId });
    return consentUrl(client, state);
  },
});

/** GET /oauth/google/callback?code&state: Google sends the person back here after the consent. */
export const oauthCallback = httpAction(async (ctx, req) => {
  const params = new URL(req.url).searchParams;
  const outcome = await completeConsent(ctx, {
    code: params.get("code"),
    state: params.get("state"),
    error: params.get("error"),
  });
  return callbackPage(outcome);
});

export const consumeState = internalMutation({
  args: { state: v.string() },
  returns: v.union(v.object({ agencyId: v.id("agencies"), consentId: v.id("oauthStates") }), v.object({ refused: v.string() })),
  handler: async (ctx, { state }) => await consume(ctx, state, Date.now()),
});

export const saveConnection = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    sealedAccessToken: v.string(),
    sealedRefreshToken: v.optional(v.string()),
    accessTokenExpiresAt: v.number(),
    accountId: v.string(),
  },
  returns: v.union(v.literal("saved"), v.literal("no_refresh_token")),
  handler: async (ctx, { agencyId, ...tokens }) => {
    const result = await save(ctx, agencyId, tokens, Date.now());
    logEvent("calendar.connected", { agencyId, result });
    return result;
  },
});

/** Forgets the tokens and the busy blocks; meetings keep their events in Google. */
export const disconnect = internalMutation({
  args: { agencyId: v.id("agencies") },
  returns: v.null(),
  handler: async (ctx, { agencyId }) => {
    const c = await connectionOf(ctx, agencyId);
    if (c) await ctx.db.delete("calendarConnections", c._id);
    await ctx.scheduler.runAfter(0, internal.calendar.clearBusy, { agencyId, cursor: null });
    logEvent("calendar.disconnected", { agencyId, hadConnection: c !== null });
    return null;
  },
});

/** Deletes the agency's busy blocks, a page per transaction. */
export const clearBusy = internalMutation({
  args: { agencyId: v.id("agencies"), cursor: v.union(v.string(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { agencyId, cursor }) => {
    if (await connectionOf(ctx, agencyId)) return null; // connected again since: its sync owns the blocks
    const next = await pruneBusyPage(ctx, agencyId, Number.POSITIVE_INFINITY, cursor);
    if (next.cursor !== null) await ctx.scheduler.runAfter(0, internal.calendar.clearBusy, { agencyId, cursor: next.cursor });
    return null;
  },
});

/** The connection as staff see it: never a token. null when no calendar is connected. */
export const status = internalQuery({
  args: { agencyId: v.id("agencies") },
  returns: v.union(
    v.null(),
    v.object({
      provider: v.literal("google"),
      status: connectionStatus,
      calendarId: v.string(),
      connectedAt: v.number(),
      lastSyncedAt: v.optional(v.number()),
      lastError: v.optional(v.string()),
      accessTokenExpiresAt: v.number(),
      /** Stored busy blocks, counted up to STATUS_COUNT_LIMIT (busyBlocksCapped says the count stopped there). */
      busyBlocks: v.number(),
      busyBlocksCapped: v.boolean(),
    }),
  ),
  handler: async (ctx, { agencyId }) => {
    const c = await connectionOf(ctx, agencyId);
    if (!c) return null;
    const blocks = await ctx.db
      .query("calendarBusy")
      .withIndex("by_agency_and_end", (q) => q.eq("agencyId", agencyId))
      .take(STATUS_COUNT_LIMIT + 1);
    return {
      provider: c.provider,
      status: c.status,
      calendarId: c.calendarId,
      connectedAt: c.connectedAt,
      lastSyncedAt: c.lastSyncedAt,
      lastError: c.lastError,
      accessTokenExpiresAt: c.accessTokenExpiresAt,
      busyBlocks: Math.min(blocks.length, STATUS_COUNT_LIMIT),
      busyBlocksCapped: blocks.length > STATUS_COUNT_LIMIT,
    };
  },
});

const syncResult = v.union(
  v.object({ outcome: v.literal("synced"), blocks: v.number() }),
  v.object({ outcome: v.literal("unknown"), reason: v.string() }),
  v.object({ outcome: v.literal("skipped"), reason: v.string() }),
  v.object({ outcome: v.literal("retry"), reason: v.string() }),
);

/** Refreshes the agency's busy blocks and sends the event writes held while the calendar could not be used. */
export const sync = internalAction({
  /** attempt: 1 for a first run; a passing failure runs again after the shared policy's wait. */
  args: { agencyId: v.id("agencies"), attempt: v.optional(v.number()) },
  returns: syncResult,
  handler: async (ctx, { agencyId, attempt }) => {
    const result = await syncBusy(ctx, agencyId);
    if (result.outcome !== "skipped") await ctx.runMutation(internal.calendar.releaseHeld, { agencyId });
    const tries = attempt ?? 1;
    const wait = result.outcome === "retry" ? backoffMs(CALENDAR_SYNC_RETRY, tries) : null;
    if (wait !== null) await ctx.scheduler.runAfter(wait, internal.calendar.sync, { agencyId, attempt: tries + 1 });
    return result;
  },
});

export const releaseHeld = internalMutation({
  args: { agencyId: v.id("agencies") },
  returns: v.number(),
  handler: async (ctx, { agencyId }) => {
    const c = await connectionOf(ctx, agencyId);
    return c && c.status !== "needs_reauth" ? await releaseHeldEvents(ctx, agencyId) : 0;
  },
});

/** Cron target: schedules a sync for every usable connection, a page per transaction. */
export const syncAll = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.number(),
  handler: async (ctx, { cursor }) => {
    const page = await ctx.db.query("calendarConnections").paginate({ cursor: cursor ?? null, numItems: SYNC_FANOUT_BATCH });
    let scheduled = 0;
    for (const c of page.page) {
      if (c.status === "needs_reauth") continue;
      await ctx.scheduler.runAfter(0, internal.calendar.sync, { agencyId: c.agencyId });
      scheduled++;
    }
    if (!page.isDone) await ctx.scheduler.runAfter(0, internal.calendar.syncAll, { cursor: page.continueCursor });
    logEvent("calendar.sync_fanout", { scheduled, more: !page.isDone });
    return scheduled;
  },
});

/** The agency whose blocks should be synced before this call's offer is (re)prepared, or null (cheap without a connection). */
export const syncDueForCall = internalQuery({
  args: { callId: v.id("calls") },
  returns: v.union(v.null(), v.id("agencies")),
  handler: async (ctx, { callId }) => {
    const call = await ctx.db.get("calls", callId);
    if (!call || call.status !== "scheduled") return null;
    return syncDue(await connectionOf(ctx, call.agencyId), Date.now()) ? call.agencyId : null;
  },
});

export const syncPlan = internalQuery({
  args: { agencyId: v.id("agencies") },
  returns: v.union(v.null(), v.object({ horizonDays: v.number() })),
  handler: async (ctx, { agencyId }) => {
    const c = await connectionOf(ctx, agencyId);
    const agency = await ctx.db.get("agencies", agencyId);
    if (!c || !agency || c.status === "needs_reauth") return null;
    return { horizonDays: agency.horizonDays };
  },
});

export const storeBusy = internalMutation({
  args: { agencyId: v.id("agencies"), blocks: v.array(v.object({ start: v.number(), end: v.number() })) },
  returns: v.union(v.number(), v.null()),
  handler: async (ctx, { agencyId, blocks }) => await storeBusyBatch(ctx, agencyId, blocks),
});

export const pruneBusy = internalMutation({
  args: { agencyId: v.id("agencies"), before: v.number(), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ deleted: v.number(), cursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { agencyId, before, cursor }) => await pruneBusyPage(ctx, agencyId, before, cursor),
});

export const beginTokenUse = internalMutation({
  args: { agencyId: v.id("agencies"), leaseId: v.string() },
  returns: v.union(
    v.object({ kind: v.literal("ready"), calendarId: v.string(), sealedAccessToken: v.string() }),
    v.object({ kind: v.literal("refresh"), calendarId: v.string(), sealedRefreshToken: v.string() }),
    v.object({ kind: v.literal("busy") }),
    v.object({ kind: v.literal("stopped"), reason: v.string() }),
  ),
  handler: async (ctx, { agencyId, leaseId }) => await beginUse(ctx, agencyId, leaseId, Date.now()),
});

export const finishTokenRefresh = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    leaseId: v.string(),
    refreshed: v.optional(
      v.object({ sealedAccessToken: v.string(), accessTokenExpiresAt: v.number(), sealedRefreshToken: v.optional(v.string()) }),
    ),
  },
  returns: v.null(),
  handler: async (ctx, { agencyId, leaseId, refreshed }) => {
    await finishRefresh(ctx, agencyId, leaseId, refreshed ?? null);
    return null;
  },
});

export const expireAccessToken = internalMutation({
  args: { agencyId: v.id("agencies") },
  returns: v.null(),
  handler: async (ctx, { agencyId }) => {
    await expire(ctx, agencyId);
    return null;
  },
});

export const markNeedsReauth = internalMutation({
  args: { agencyId: v.id("agencies"), reason: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { agencyId, reason }) => await needsReauth(ctx, agencyId, reason),
});

export const flagSyncError = internalMutation({
  args: { agencyId: v.id("agencies"), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { agencyId, reason }) => {
    await flag(ctx, agencyId, reason);
    return null;
  },
});

export const markSynced = internalMutation({
  args: { agencyId: v.id("agencies"), at: v.number() },
  returns: v.null(),
  handler: async (ctx, { agencyId, at }) => {
    await synced(ctx, agencyId, at);
    return null;
  },
});

// ---- The agency's own booking system (Cal.com, Calendly): reconciled by calendarSync.ts ----

const connected = v.object({ provider: keyedProvider, connectedAt: v.number() });

export const connectProvider = internalAction({
  args: { agencyId: v.id("agencies"), provider: keyedProvider, apiKey: v.string() },
  returns: connected,
  handler: async (ctx, { agencyId, provider, apiKey }): Promise<{ provider: "calcom" | "calendly"; connectedAt: number }> => {
    const key = cleanApiKey(apiKey);
    const account = await verifyApiKey(provider, key);
    let sealed: string;
    try {
      sealed = await encryptSecret(key);
    } catch (e) {
      if (e instanceof SecretError) throw new ConvexError(e.message);
      throw e;
    }
    return await ctx.runMutation(internal.calendar.saveProviderConnection, { agencyId, provider, apiKey: sealed, organizationUri: account.organizationUri });
  },
});

/** Stores a checked, encrypted key: one connection per (agency, provider), replaced when connected again. */
export const saveProviderConnection = internalMutation({
  args: { agencyId: v.id("agencies"), provider: keyedProvider, apiKey: v.string(), organizationUri: v.optional(v.string()) },
  returns: connected,
  handler: async (ctx, { agencyId, provider, apiKey, organizationUri }) => {
    if (!(await ctx.db.get("agencies", agencyId))) throw new ConvexError(`agency ${agencyId} not found`);
    const existing = await ctx.db
      .query("bookingConnections")
      .withIndex("by_agency_and_provider", (q) => q.eq("agencyId", agencyId).eq("provider", provider))
      .unique();
    const connectedAt = Date.now();
    const fields = { agencyId, provider, apiKey, organizationUri, connectedAt };
    if (existing) await ctx.db.replace("bookingConnections", existing._id, fields);
    else await ctx.db.insert("bookingConnections", fields);
    logEvent("calendar.provider_connected", { agencyId, provider, replaced: existing !== null });
    return { provider, connectedAt };
  },
});

/**
 * The agency's Google Calendar connection in a transaction: OAuth `state`
 * values (random, single-use, 10 minutes), storing the tokens a consent
 * returned, the one-refresh-at-a-time lease, and `needs_reauth` when Google
 * says the refresh token is dead (staff told once, Google left alone until a
 * new consent). Tokens arrive sealed (model/secrets.ts) from the action that
 * encrypted them and leave sealed to the action that uses them.
 */
import type { Doc, Id } from "../../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import { logEvent } from "../log";
import { notify } from "../notifications/notify";
import { scheduleSend } from "../outbox/ledger";
import { LEASE_MS } from "../outbox/status";
import { MINUTE } from "../scheduling/availability";

export const STATE_TTL_MS = 10 * MINUTE;
/** Refresh an access token that expires within this. */
export const REFRESH_MARGIN_MS = 5 * MINUTE;
/** A refresh holds the connection this long at most (a token request takes seconds); then another may take over. */
export const REFRESH_LEASE_MS = MINUTE;
/** Blocks older than this are synced again before a call's offer is prepared (and by the cron). */
export const SYNC_STALE_MS = 10 * MINUTE;
/** Calendar rows a reconnect (or a sync) sends again at once; the rest on the next sync. */
const RELEASE_BATCH = 100;

export async function connectionOf(ctx: QueryCtx, agencyId: Id<"agencies">): Promise<Doc<"calendarConnections"> | null> {
  return await ctx.db
    .query("calendarConnections")
    .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
    .unique();
}

/** 32 random bytes, base64url: the state names nothing, so it can be neither guessed nor forged. */
export function randomState(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Expired states removed by each new one: the table stays about as small as the links in use. */
const EXPIRED_STATES_SWEPT = 20;

export async function issueState(ctx: MutationCtx, agencyId: Id<"agencies">, now: number): Promise<string> {
  const expired = await ctx.db
    .query("oauthStates")
    .withIndex("by_expires", (q) => q.lt("expiresAt", now))
    .take(EXPIRED_STATES_SWEPT);
  for (const row of expired) await ctx.db.delete("oauthStates", row._id);
  const state = randomState();
  await ctx.db.insert("oauthStates", { state, agencyId, provider: "google", expiresAt: now + STATE_TTL_MS });
  return state;
}

/** Why a state is refused, or null when it may be used now. */
export function stateRefusal(row: Doc<"oauthStates"> | null, now: number): string | null {
  if (!row) return "unknown";
  if (row.usedAt !== undefined) return "used";
  if (row.expiresAt <= now) return "expired";
  return null;
}

/**
 * Validates and spends a state in one transaction, so it works exactly once.
 * A refused state writes nothing. The agency comes from the stored row only.
 */
export async function consumeState(
  ctx: MutationCtx,
  state: string,
  now: number,
): Promise<{ agencyId: Id<"agencies">; consentId: Id<"oauthStates"> } | { refused: string }> {
  const row = await ctx.db
    .query("oauthStates")
    .withIndex("by_state", (q) => q.eq("state", state))
    .unique();
  const refused = stateRefusal(row, now);
  if (refused || !row) return { refused: refused ?? "unknown" };
  await ctx.db.patch("oauthStates", row._id, { usedAt: now });
  return { agencyId: row.agencyId, consentId: row._id };
}

/**
 * Stores a consent's tokens (sealed) as the agency's connection, connected.
 * A consent without a refresh token keeps the one stored before. Changes
 * queued while the calendar was disconnected are sent now.
 */
export async function saveConnection(
  ctx: MutationCtx,
  agencyId: Id<"agencies">,
  tokens: { sealedAccessToken: string; sealedRefreshToken?: string; accessTokenExpiresAt: number; accountId: string },
  now: number,
): Promise<"saved" | "no_refresh_token"> {
  const existing = await connectionOf(ctx, agencyId);
  const sealedRefreshToken = tokens.sealedRefreshToken ?? existing?.sealedRefreshToken;
  if (!sealedRefreshToken) return "no_refresh_token";
  const fields = {
    status: "connected" as const,
    sealedAccessToken: tokens.sealedAccessToken,
    sealedRefreshToken,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    accountId: tokens.accountId,
    lastError: undefined,
    refreshLease: undefined,
    connectedAt: now,
  };
  if (existing) await ctx.db.patch("calendarConnections", existing._id, fields);
  else await ctx.db.insert("calendarConnections", { agencyId, provider: "google", calendarId: "primary", ...fields });
  await releaseHeldEvents(ctx, agencyId);
  return "saved";
}

/** Calendar rows settled as disabled while the connection could not be used go out again (bounded). */
export async function releaseHeldEvents(ctx: MutationCtx, agencyId: Id<"agencies">): Promise<number> {
  const held = await ctx.db
    .query("outbox")
    .withIndex("by_agency_kind_status_and_created", (q) =>
      q.eq("agencyId", agencyId).eq("message.kind", "calendar_event").eq("status", "disabled"),
    )
    .take(RELEASE_BATCH);
  const now = Date.now();
  for (const row of held) {
    await ctx.db.patch("outbox", row._id, { status: "pending", lastError: undefined, checkAt: now + LEASE_MS });
    await scheduleSend(ctx, row._id);
  }
  return held.length;
}

export type TokenUse =
  | { kind: "ready"; calendarId: string; sealedAccessToken: string }
  | { kind: "refresh"; calendarId: string; sealedRefreshToken: string }
  | { kind: "busy" }
  | { kind: "stopped"; reason: string };

/**
 * How an action may call Google now: with the stored access token while it has
 * more than REFRESH_MARGIN_MS left; else by refreshing it, if no other refresh
 * holds the lease (the caller then holds it as `leaseId`); else wait (`busy`).
 */
export async function beginTokenUse(ctx: MutationCtx, agencyId: Id<"agencies">, leaseId: string, now: number): Promise<TokenUse> {
  const c = await connectionOf(ctx, agencyId);
  if (!c) return { kind: "stopped", reason: "no calendar connected" };
  if (c.status === "needs_reauth") return { kind: "stopped", reason: "the calendar needs reconnecting" };
  if (c.accessTokenExpiresAt - now > REFRESH_MARGIN_MS) {
    return { kind: "ready", calendarId: c.calendarId, sealedAccessToken: c.sealedAccessToken };
  }
  if (c.refreshLease && c.refreshLease.until > now) return { kind: "busy" };
  await ctx.db.patch("calendarConnections", c._id, { refreshLease: { id: leaseId, until: now + REFRESH_LEASE_MS } });
  return { kind: "refresh", calendarId: c.calendarId, sealedRefreshToken: c.sealedRefreshToken };
}

/** Ends a refresh: its new token stored (when it has one), the lease released. Only the lease holder's result counts. */
export async function finishTokenRefresh(
  ctx: MutationCtx,
  agencyId: Id<"agencies">,
  leaseId: string,
  refreshed: { sealedAccessToken: string; accessTokenExpiresAt: number; sealedRefreshToken?: string } | null,
): Promise<void> {
  const c = await connectionOf(ctx, agencyId);
  if (!c || c.refreshLease?.id !== leaseId) return;
  await ctx.db.patch("calendarConnections", c._id, { refreshLease: undefined, ...(refreshed ?? {}) });
}

/** Google refused the stored access token: the next use refreshes it first. */
export async function expireAccessToken(ctx: MutationCtx, agencyId: Id<"agencies">): Promise<void> {
  const c = await connectionOf(ctx, agencyId);
  if (c && c.accessTokenExpiresAt > 0) await ctx.db.patch("calendarConnections", c._id, { accessTokenExpiresAt: 0 });
}

/**
 * The refresh token is dead (revoked, expired, Testing-mode app): the
 * connection stops until staff connect again, and staff hear it once, on the
 * change to needs_reauth only.
 */
export async function markNeedsReauth(ctx: MutationCtx, agencyId: Id<"agencies">, reason: string): Promise<boolean> {
  const c = await connectionOf(ctx, agencyId);
  if (!c || c.status === "needs_reauth") return false;
  await ctx.db.patch("calendarConnections", c._id, { status: "needs_reauth", lastError: reason, refreshLease: undefined });
  await notify(ctx, {
    agencyId,
    event: "calendar_disconnected",
    text: "Google Calendar access was revoked or expired: run calendar.connectUrl and open the link to reconnect. Busy times are not updated until then.",
  });
  logEvent("calendar.needs_reauth", { agencyId, reason });
  return true;
}

/** A sync that could not read free/busy: the blocks stay as they were, the connection says why. */
export async function flagSyncError(ctx: MutationCtx, agencyId: Id<"agencies">, reason: string): Promise<void> {
  const c = await connectionOf(ctx, agencyId);
  if (!c || c.status === "needs_reauth") return;
  await ctx.db.patch("calendarConnections", c._id, { status: "error", lastError: reason });
  logEvent("calendar.sync_error", { agencyId, reason });
}

/** A sync that stored fresh blocks. */
export async function markSynced(ctx: MutationCtx, agencyId: Id<"agencies">, at: number): Promise<void> {
  const c = await connectionOf(ctx, agencyId);
  if (!c || c.status === "needs_reauth") return;
  await ctx.db.patch("calendarConnections", c._id, { status: "connected", lastError: undefined, lastSyncedAt: at });
}

/** Whether the blocks should be fetched again before they are used: a usable connection whose blocks are old. */
export function syncDue(c: Doc<"calendarConnections"> | null, now: number): boolean {
  if (!c || c.status === "needs_reauth") return false;
  return c.lastSyncedAt === undefined || now - c.lastSyncedAt >= SYNC_STALE_MS;
}

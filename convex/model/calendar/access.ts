/**
 * The Google calls, from actions: an access token (refreshed when it expires
 * within five minutes, one refresh at a time per connection), the free/busy
 * sync, and one outbox calendar write. Tokens are decrypted here, used, and
 * dropped; they never reach a document, a return value or a log.
 */
import { internal } from "../../_generated/api";
import type { Id } from "../../_generated/dataModel";
import type { ActionCtx } from "../../_generated/server";
import type { SendOutcome } from "../channels/shared";
import { logEvent } from "../log";
import type { CalendarJob } from "../outbox/messages";
import {
  deleteEvent,
  GoogleConfigError,
  insertEvent,
  oauthClientFromEnv,
  patchEvent,
  queryFreeBusy,
  refreshAccessToken,
  type GoogleFailure,
} from "../providers/googleCalendar";
import { decryptSecret, encryptSecret, SecretError } from "../secrets";
import { DAY } from "../scheduling/availability";
import { BUSY_BATCH, mergeIntervals } from "./busy";

export type Access = { token: string; calendarId: string } | { stopped: string } | { retry: string };

/** A usable access token, refreshed first when needed. `retry`: try later (a refresh under way, Google unreachable). */
export async function accessFor(ctx: ActionCtx, agencyId: Id<"agencies">): Promise<Access> {
  const leaseId = crypto.randomUUID();
  const use = await ctx.runMutation(internal.calendar.beginTokenUse, { agencyId, leaseId });
  if (use.kind === "stopped") return { stopped: use.reason };
  if (use.kind === "busy") return { retry: "a token refresh is under way" };
  if (use.kind === "ready") return { token: await decryptSecret(use.sealedAccessToken), calendarId: use.calendarId };
  let refreshed: Awaited<ReturnType<typeof refreshAccessToken>>;
  try {
    refreshed = await refreshAccessToken(oauthClientFromEnv(process.env), await decryptSecret(use.sealedRefreshToken), Date.now());
  } catch (e) {
    await ctx.runMutation(internal.calendar.finishTokenRefresh, { agencyId, leaseId });
    throw e;
  }
  if (!refreshed.ok) {
    const f = refreshed.failure;
    if (f.invalidGrant) {
      await ctx.runMutation(internal.calendar.markNeedsReauth, { agencyId, reason: f.error });
      return { stopped: "the calendar needs reconnecting" };
    }
    await ctx.runMutation(internal.calendar.finishTokenRefresh, { agencyId, leaseId });
    logEvent("calendar.refresh_failed", { agencyId, error: f.error, retryable: f.retryable });
    return { retry: f.error };
  }
  const grant = refreshed.value;
  await ctx.runMutation(internal.calendar.finishTokenRefresh, {
    agencyId,
    leaseId,
    refreshed: {
      sealedAccessToken: await encryptSecret(grant.accessToken),
      accessTokenExpiresAt: grant.expiresAt,
      sealedRefreshToken: grant.refreshToken ? await encryptSecret(grant.refreshToken) : undefined,
    },
  });
  logEvent("calendar.token_refreshed", { agencyId, expiresAt: grant.expiresAt });
  return { token: grant.accessToken, calendarId: use.calendarId };
}

/** A Google API failure after the token was used: a refused token is refreshed on the next use. */
async function afterApiFailure(ctx: ActionCtx, agencyId: Id<"agencies">, f: GoogleFailure): Promise<void> {
  if (f.status === 401) await ctx.runMutation(internal.calendar.expireAccessToken, { agencyId });
}

export type SyncResult =
  | { outcome: "synced"; blocks: number }
  | { outcome: "unknown"; reason: string }
  | { outcome: "skipped"; reason: string }
  | { outcome: "retry"; reason: string };

/**
 * Fetches free/busy over the agency's horizon and replaces its stored blocks
 * (own meetings subtracted). An answer with errors is unknown: the previous
 * blocks stay and the connection is flagged.
 */
export async function syncBusy(ctx: ActionCtx, agencyId: Id<"agencies">): Promise<SyncResult> {
  const plan = await ctx.runQuery(internal.calendar.syncPlan, { agencyId });
  if (!plan) return { outcome: "skipped", reason: "no usable calendar connection" };
  const access = await accessFor(ctx, agencyId);
  if ("stopped" in access) return { outcome: "skipped", reason: access.stopped };
  if ("retry" in access) return { outcome: "retry", reason: access.retry };
  const now = Date.now();
  const timeMax = now + (plan.horizonDays + 1) * DAY;
  const reply = await queryFreeBusy(access.token, access.calendarId, now, timeMax);
  if (!reply.ok) {
    await afterApiFailure(ctx, agencyId, reply.failure);
    await ctx.runMutation(internal.calendar.flagSyncError, { agencyId, reason: reply.failure.error });
    // A refused token (401) is refreshed on the next attempt, so it is worth one.
    const passing = reply.failure.retryable || reply.failure.status === 401;
    return { outcome: passing ? "retry" : "unknown", reason: reply.failure.error };
  }
  if ("unknown" in reply.value) {
    await ctx.runMutation(internal.calendar.flagSyncError, { agencyId, reason: reply.value.unknown });
    return { outcome: "unknown", reason: reply.value.unknown };
  }
  const blocks = mergeIntervals(reply.value.busy).filter((b) => b.end > now);
  let before = Number.POSITIVE_INFINITY;
  for (let i = 0; i < blocks.length; i += BUSY_BATCH) {
    const first = await ctx.runMutation(internal.calendar.storeBusy, { agencyId, blocks: blocks.slice(i, i + BUSY_BATCH) });
    if (first !== null && before === Number.POSITIVE_INFINITY) before = first;
  }
  let cursor: string | null = null;
  do {
    ({ cursor } = await ctx.runMutation(internal.calendar.pruneBusy, { agencyId, before, cursor }));
  } while (cursor !== null);
  await ctx.runMutation(internal.calendar.markSynced, { agencyId, at: now });
  logEvent("calendar.synced", { agencyId, blocks: blocks.length });
  return { outcome: "synced", blocks: blocks.length };
}

function outcomeOf(f: GoogleFailure): SendOutcome {
  return { ok: false, retryable: f.retryable || f.status === 401, error: f.error };
}

/**
 * One calendar write: insert (409, created before: patch it to now), patch
 * (missing: insert), or delete (missing: nothing to cancel). Never throws for
 * Google's failure: the outbox records it and retries with the shared policy.
 */
export async function writeCalendarEvent(ctx: ActionCtx, job: CalendarJob): Promise<SendOutcome> {
  let access: Access;
  try {
    access = await accessFor(ctx, job.agencyId);
  } catch (e) {
    // A token that no longer decrypts, or Google settings gone: the same every time, so not retried.
    if (e instanceof SecretError || e instanceof GoogleConfigError) return { ok: false, retryable: false, error: e.message };
    throw e;
  }
  if ("stopped" in access) return { ok: false, retryable: true, error: `Google Calendar: ${access.stopped}` };
  if ("retry" in access) return { ok: false, retryable: true, error: access.retry };
  const { token } = access;
  let result;
  if (job.operation === "cancel") {
    result = await deleteEvent(token, job.calendarId, job.eventId);
    if (!result.ok && "missing" in result) return { ok: true };
  } else {
    const event = job.event!;
    if (job.operation === "patch") {
      result = await patchEvent(token, job.calendarId, job.eventId, event);
      if (!result.ok && "missing" in result) result = await insertEvent(token, job.calendarId, job.eventId, event);
    } else {
      result = await insertEvent(token, job.calendarId, job.eventId, event);
      if (!result.ok && "duplicate" in result) result = await patchEvent(token, job.calendarId, job.eventId, event);
    }
  }
  if (result.ok) return { ok: true, providerMessageId: result.value.eventId };
  await afterApiFailure(ctx, job.agencyId, result.failure);
  return outcomeOf(result.failure);
}

/**
 * Before a call's offer is (re)prepared: syncs the agency's blocks when they
 * are older than SYNC_STALE_MS. True when fresh blocks were stored (the offer
 * should be prepared again). Never stands in the dial's way: a failure keeps
 * the blocks already stored.
 */
export async function syncBeforeOffer(ctx: ActionCtx, callId: Id<"calls">): Promise<boolean> {
  const agencyId = await ctx.runQuery(internal.calendar.syncDueForCall, { callId });
  if (!agencyId) return false;
  try {
    return (await syncBusy(ctx, agencyId)).outcome === "synced";
  } catch (e) {
    logEvent("calendar.sync_failed", { agencyId, callId, error: e instanceof Error ? e.name : "unknown" });
    return false;
  }
}

/**
 * Notification center: per-agency rules send events (booked, call requested, ...) to
 * Slack, email or SMS, realtime or in a daily digest. Routing is model/notifications/notify.ts,
 * the digest model/notifications/digest.ts, configuration model/notifications/configuration.ts;
 * sending is the outbox's (outbox.ts), retried with backoff. Here: the functions staff and crons call.
 */
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import schema from "./schema";
import type { Id } from "./_generated/dataModel";
import { internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { channelInputFields, channelOf, destinationKind, normalizeDestination, type DestinationKind, type NormalizedDestination } from "./model/channels";
import { twilioCredentials } from "./model/channels/sms";
import { logEvent } from "./model/log";
import { isEncrypted } from "./model/secrets";
import { deliveryMode } from "./model/outbox/messages";
import { outboxStatus, resolveUnknown } from "./model/outbox/status";
import { NOTIFICATION_DEFAULTS, notificationEvent } from "./model/notifications/events";
import { notify, settingsOf } from "./model/notifications/notify";
import * as digest from "./model/notifications/digest";
import * as configuration from "./model/notifications/configuration";
import { sealSecret, settingsError } from "./model/notifications/configuration";
import { notificationOf } from "./model/notifications/digest";

const notifyArgs = {
  agencyId: v.id("agencies"),
  opportunityId: v.id("opportunities"),
  event: notificationEvent,
  callId: v.optional(v.id("calls")),
  meetingId: v.optional(v.id("meetings")),
  text: v.string(),
};

/** `notify` for actions (analysis failures happen in one): `ctx.runMutation(internal.notifications.notifyEvent, ...)`. */
export const notifyEvent = internalMutation({
  args: notifyArgs,
  returns: v.object({ queued: v.number(), digested: v.number(), duplicates: v.number() }),
  handler: (ctx, args) => notify(ctx, args),
});

/**
 * Hourly cron target, and its own continuation. Reads one page of agencies whose
 * digest is due (their local digest hour has come on a date without a digest:
 * nextDigestAt is always such an hour) and starts each one's digest in its own
 * transactions (digestBatch). An agency whose digest is already under way is
 * left to it until its lease lapses. `dueBy` and `cursor` carry the page walk
 * across transactions, so 1,000 due agencies cost five short transactions here.
 */
export const sendDigests = internalMutation({
  args: { dueBy: v.optional(v.number()), cursor: v.optional(v.string()) },
  returns: v.object({ due: v.number(), started: v.number() }),
  handler: async (ctx, args) => {
    return await digest.startDueDigests(ctx, args);
  },
});

/**
 * One transaction of one agency's digest: folds up to DIGEST_ITEM_BATCH pending
 * items into a "composing" message per destination (counted, the first lines
 * listed) and marks them, so an item is in exactly one digest whatever fails
 * later. While items remain it schedules itself; the transaction that finds the
 * rest releases the messages for sending and only then advances nextDigestAt.
 */
export const digestBatch = internalMutation({
  args: { settingsId: v.id("notificationSettings") },
  returns: v.object({ items: v.number(), messages: v.number(), done: v.boolean() }),
  handler: async (ctx, { settingsId }) => {
    return await digest.digestBatch(ctx, settingsId);
  },
});

// ---------------------------------------------------------------- staff configuration

/**
 * Staff add a destination. Its channel checks the target and credentials; the
 * secret is encrypted first (no ATLAS_ENCRYPTION_KEY: refused before it goes
 * anywhere), then the channel asks its provider whether it works (Slack's
 * auth.test, Twilio's account); a refused secret stores nothing. Email needs no
 * secret (RESEND_API_KEY, EMAIL_FROM are env).
 */
export const saveDestination = internalAction({
  args: {
    agencyId: v.id("agencies"),
    kind: destinationKind,
    label: v.optional(v.string()),
    target: v.string(),
    ...channelInputFields,
  },
  returns: v.id("notificationDestinations"),
  handler: async (ctx, { agencyId, ...input }): Promise<Id<"notificationDestinations">> => {
    let destination: NormalizedDestination;
    try {
      destination = normalizeDestination(input);
    } catch (e) {
      settingsError(e);
    }
    const { secret, ...fields } = destination;
    let sealedSecret: string | undefined;
    try {
      sealedSecret = secret ? await sealSecret(secret) : undefined;
    } catch (e) {
      settingsError(e);
    }
    if (secret) {
      const refused = await channelOf(destination.kind).verify(secret);
      if (refused) throw new ConvexError(`${refused}; nothing was stored`);
    }
    return await ctx.runMutation(internal.notifications.storeDestination, { agencyId, ...fields, sealedSecret });
  },
});

/** Stores a destination checked and encrypted by saveDestination (call that, not this). */
export const storeDestination = internalMutation({
  args: {
    ...schema.tables.notificationDestinations.validator.fields,
    sealedSecret: v.optional(v.string()),
  },
  returns: v.id("notificationDestinations"),
  handler: (ctx, args) => configuration.storeDestination(ctx, args),
});

/** Removes a destination with its secret and rules; its queued deliveries end as skipped. */
export const removeDestination = internalMutation({
  args: { destinationId: v.id("notificationDestinations") },
  returns: v.null(),
  handler: async (ctx, { destinationId }) => {
    await configuration.removeDestination(ctx, destinationId);
    return null;
  },
});

/** Sends `event` to `destinationId`, realtime or in the digest (replaces that pair's rule). */
export const setRule = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    event: notificationEvent,
    destinationId: v.id("notificationDestinations"),
    mode: deliveryMode,
  },
  returns: v.id("notificationRules"),
  handler: async (ctx, args) => {
    return await configuration.setRule(ctx, args);
  },
});

export const removeRule = internalMutation({
  args: { agencyId: v.id("agencies"), event: notificationEvent, destinationId: v.id("notificationDestinations") },
  returns: v.boolean(),
  handler: async (ctx, args) => {
    const rule = await ctx.db
      .query("notificationRules")
      .withIndex("by_agency_and_event", (q) =>
        q.eq("agencyId", args.agencyId).eq("event", args.event).eq("destinationId", args.destinationId),
      )
      .unique();
    if (rule) await ctx.db.delete("notificationRules", rule._id);
    return rule !== null;
  },
});

/** Digest hour (0-23) and IANA zone, dedupe window in minutes; omitted fields keep their value. */
export const setSettings = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    digestHour: v.optional(v.number()),
    digestTimeZone: v.optional(v.string()),
    dedupeWindowMinutes: v.optional(v.number()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    await configuration.saveSettings(ctx, args);
    return null;
  },
});

// ---------------------------------------------------------------- staff views (no secrets: masks only)

export const listDestinations = internalQuery({
  args: { agencyId: v.id("agencies") },
  returns: v.array(
    v.object({
      id: v.id("notificationDestinations"),
      kind: destinationKind,
      label: v.string(),
      target: v.string(),
      configured: v.boolean(),
      secretMask: v.optional(v.string()),
    }),
  ),
  handler: async (ctx, { agencyId }) => {
    const rows = await ctx.db
      .query("notificationDestinations")
      .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
      .take(100);
    return rows.map((d) => ({
      id: d._id,
      kind: d.kind,
      label: d.label,
      target: d.target,
      configured: d.configured,
      secretMask: d.secretMask,
    }));
  },
});

export const listRules = internalQuery({
  args: { agencyId: v.id("agencies") },
  returns: v.array(
    v.object({ id: v.id("notificationRules"), event: notificationEvent, destinationId: v.id("notificationDestinations"), mode: deliveryMode }),
  ),
  handler: async (ctx, { agencyId }) => {
    const rows = await ctx.db
      .query("notificationRules")
      .withIndex("by_agency_and_event", (q) => q.eq("agencyId", agencyId))
      .take(200);
    return rows.map((r) => ({ id: r._id, event: r.event, destinationId: r.destinationId, mode: r.mode }));
  },
});

export const getSettings = internalQuery({
  args: { agencyId: v.id("agencies") },
  returns: v.object({
    digestHour: v.number(),
    digestTimeZone: v.string(),
    dedupeWindowMinutes: v.number(),
    nextDigestAt: v.union(v.number(), v.null()),
    lastDigestLocalDate: v.union(v.string(), v.null()),
  }),
  handler: async (ctx, { agencyId }) => {
    const s = await settingsOf(ctx, agencyId);
    return {
      digestHour: s?.digestHour ?? NOTIFICATION_DEFAULTS.digestHour,
      digestTimeZone: s?.digestTimeZone ?? NOTIFICATION_DEFAULTS.digestTimeZone,
      dedupeWindowMinutes: s?.dedupeWindowMinutes ?? NOTIFICATION_DEFAULTS.dedupeWindowMinutes,
      nextDigestAt: s?.nextDigestAt ?? null,
      lastDigestLocalDate: s?.lastDigestLocalDate ?? null,
    };
  },
});

/**
 * The latest notifications sent to staff, newest first: what went where and how
 * it ended. With `status: "unknown"`, the messages whose attempt died mid-send
 * and that staff should check (and settle with resolveUnknownDelivery).
 */
export const listDeliveries = internalQuery({
  args: { agencyId: v.id("agencies"), status: v.optional(outboxStatus), limit: v.optional(v.number()) },
  returns: v.array(
    v.object({
      id: v.id("outbox"),
      destinationId: v.id("notificationDestinations"),
      kind: destinationKind,
      mode: deliveryMode,
      text: v.string(),
      status: outboxStatus,
      attempts: v.number(),
      lastError: v.optional(v.string()),
      sentAt: v.optional(v.number()),
      createdAt: v.number(),
    }),
  ),
  handler: async (ctx, { agencyId, status, limit }) => {
    const n = Math.min(Math.max(1, Math.floor(limit ?? 50)), 200);
    const rows = status
      ? await ctx.db
          .query("outbox")
          .withIndex("by_agency_kind_status_and_created", (q) =>
            q.eq("agencyId", agencyId).eq("message.kind", "notification").eq("status", status),
          )
          .order("desc")
          .take(n)
      : await ctx.db
          .query("outbox")
          .withIndex("by_agency_kind_and_created", (q) => q.eq("agencyId", agencyId).eq("message.kind", "notification"))
          .order("desc")
          .take(n);
    return rows.map((d) => {
      const message = notificationOf(d);
      return {
        id: d._id,
        destinationId: message.destinationId,
        // Rows of kind "notification" go to a notification channel, never to a calendar.
        kind: d.channel as DestinationKind,
        mode: message.mode,
        text: message.text,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        sentAt: d.sentAt,
        createdAt: d.createdAt,
      };
    });
  },
});

/** Staff settle an `unknown` delivery after looking at the channel: it arrived (sent) or it did not (failed). Never resent. */
export const resolveUnknownDelivery = internalMutation({
  args: { deliveryId: v.id("outbox"), arrived: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { deliveryId, arrived }) => {
    const delivery = await ctx.db.get("outbox", deliveryId);
    if (!delivery) throw new ConvexError(`notification delivery ${deliveryId} not found`);
    const patch = resolveUnknown(delivery, arrived);
    if (!patch) throw new ConvexError(`notification delivery ${deliveryId} is ${delivery.status}, not unknown`);
    await ctx.db.patch("outbox", deliveryId, patch);
    logEvent("notification.unknown_resolved", { deliveryId, arrived });
    return null;
  },
});

// ---------------------------------------------------------------- secrets saved before encryption

const legacySecret = v.object({
  secretId: v.id("notificationSecrets"),
  slackBotToken: v.optional(v.string()),
  twilio: v.optional(twilioCredentials),
});

/** Up to `limit` rows still in plaintext, handed to encryptLegacySecrets only (a mutation, like the outbox claim). */
export const takeLegacySecrets = internalMutation({
  args: { limit: v.number() },
  returns: v.array(legacySecret),
  handler: async (ctx, { limit }) => {
    const rows = await ctx.db
      .query("notificationSecrets")
      .withIndex("by_sealed", (q) => q.eq("sealed", undefined))
      .take(Math.min(Math.max(1, limit), 100));
    return rows.map((r) => ({ secretId: r._id, slackBotToken: r.slackBotToken, twilio: r.twilio }));
  },
});

/** Replaces a plaintext row's secret with its encryption (a row already sealed is left alone). */
export const sealLegacySecret = internalMutation({
  args: { secretId: v.id("notificationSecrets"), sealed: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { secretId, sealed }) => {
    const row = await ctx.db.get("notificationSecrets", secretId);
    if (!row || row.sealed !== undefined || !isEncrypted(sealed)) return false;
    await ctx.db.replace("notificationSecrets", secretId, { agencyId: row.agencyId, destinationId: row.destinationId, sealed });
    return true;
  },
});

/**
 * One-off after upgrading: encrypts Slack and Twilio secrets stored in plaintext
 * before ATLAS_ENCRYPTION_KEY existed, in batches of 50, one transaction each.
 * Until it has run, those destinations' messages are recorded as skipped.
 * `npx convex run notifications:encryptLegacySecrets`
 */
export const encryptLegacySecrets = internalAction({
  args: {},
  returns: v.object({ encrypted: v.number() }),
  handler: async (ctx) => {
    let encrypted = 0;
    for (;;) {
      const batch = await ctx.runMutation(internal.notifications.takeLegacySecrets, { limit: 50 });
      if (batch.length === 0) break;
      for (const { secretId, ...secret } of batch) {
        let sealed: string;
        try {
          sealed = await sealSecret(secret);
        } catch (e) {
          settingsError(e);
        }
        if (await ctx.runMutation(internal.notifications.sealLegacySecret, { secretId, sealed })) encrypted++;
      }
    }
    logEvent("notification.secrets_encrypted", { encrypted });
    return { encrypted };
  },
});

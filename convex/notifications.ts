/**
 * Notification center: per-agency rules send events (booked, call requested, ...) to
 * Slack, email or SMS, realtime or in a daily digest. `notify` is what the booking path
 * calls: it only reads rules and writes ledger rows, so it is cheap and cannot fail
 * because a destination is broken. Sending is the outbox's (outbox.ts), retried with backoff.
 */
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import schema from "./schema";
import type { Doc, Id } from "./_generated/dataModel";
import { internalAction, internalQuery, type MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { assertTimeZone, AvailabilityError } from "./model/scheduling/availability";
import { channelInputFields, channelOf, destinationKind, normalizeDestination, type NormalizedDestination } from "./model/channels";
import { DestinationError } from "./model/channels/shared";
import { twilioCredentials } from "./model/channels/sms";
import { logEvent } from "./model/log";
import { PhoneError } from "./model/scheduling/phone";
import { encryptSecret, isEncrypted, SecretError } from "./model/secrets";
import { enqueue, release } from "./model/outbox/ledger";
import { deliveryMode, outboxKey, type OutboxMessage } from "./model/outbox/messages";
import { outboxStatus, resolveUnknown } from "./model/outbox/status";
import {
  assertDedupeWindow,
  assertDigestHour,
  digestLine,
  digestMessage,
  emailSubject,
  localDate,
  MAX_DIGEST_LINES,
  nextDigestAt,
  NOTIFICATION_DEFAULTS,
  NotificationSettingsError,
  notificationEvent,
} from "./model/notifications/events";
import { MAX_RULES_PER_EVENT, notify, settingsOf } from "./model/notifications/notify";

/**
 * Pending digest items folded into the digest per transaction: 1,000 item writes
 * plus one per destination, far inside 16,000 writes and 32,000 reads.
 */
export const DIGEST_ITEM_BATCH = 1000;
/** Due agencies read per sendDigests transaction; each gets its own scheduled digest (1,000 schedules is the cap). */
export const DIGEST_AGENCY_PAGE = 200;
/** A digest run not heard from for this long is started again by the next cron run. */
const DIGEST_LEASE_MS = 15 * 60_000;
/** Destinations one agency's digest can address at once (realistically a handful). */
const MAX_DIGEST_DESTINATIONS = 200;

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

/** A destination's secret as stored: its channel's secret as encrypted JSON, so the Data page shows ciphertext only. */
async function sealSecret(secret: unknown): Promise<string> {
  return await encryptSecret(JSON.stringify(secret));
}

// ---------------------------------------------------------------- daily digest

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
    const now = Date.now();
    const dueBy = args.dueBy ?? now;
    const page = await ctx.db
      .query("notificationSettings")
      .withIndex("by_next_digest_at", (q) => q.lte("nextDigestAt", dueBy))
      .paginate({ cursor: args.cursor ?? null, numItems: DIGEST_AGENCY_PAGE });
    let started = 0;
    for (const settings of page.page) {
      if (settings.digestRun && settings.digestRun.leaseUntil > now) continue;
      // A run that lapsed keeps its date: its items already went into that date's digest.
      const date = settings.digestRun?.localDate ?? localDate(now, settings.digestTimeZone);
      await ctx.db.patch("notificationSettings", settings._id, { digestRun: { localDate: date, leaseUntil: now + DIGEST_LEASE_MS } });
      await ctx.scheduler.runAfter(0, internal.notifications.digestBatch, { settingsId: settings._id });
      started++;
    }
    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.notifications.sendDigests, { dueBy, cursor: page.continueCursor });
    }
    logEvent("notification.digests", { due: page.page.length, started, more: !page.isDone });
    return { due: page.page.length, started };
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
    const settings = await ctx.db.get("notificationSettings", settingsId);
    const run = settings?.digestRun;
    if (!settings || !run) return { items: 0, messages: 0, done: true };
    const now = Date.now();
    const items = await ctx.db
      .query("notificationItems")
      .withIndex("by_agency_and_state", (q) => q.eq("agencyId", settings.agencyId).eq("state", "digest_pending"))
      .take(DIGEST_ITEM_BATCH);
    await foldIntoDigests(ctx, settings.agencyId, run.localDate, items, now);
    if (items.length === DIGEST_ITEM_BATCH) {
      await ctx.db.patch("notificationSettings", settingsId, { digestRun: { ...run, leaseUntil: now + DIGEST_LEASE_MS } });
      await ctx.scheduler.runAfter(0, internal.notifications.digestBatch, { settingsId });
      return { items: items.length, messages: 0, done: false };
    }
    const messages = await releaseDigests(ctx, settings.agencyId, run.localDate);
    await ctx.db.patch("notificationSettings", settingsId, {
      digestRun: undefined,
      lastDigestLocalDate: run.localDate,
      nextDigestAt: nextDigestAt(now, settings.digestTimeZone, settings.digestHour, run.localDate),
    });
    logEvent("notification.digest_done", { agencyId: settings.agencyId, messages });
    return { items: items.length, messages, done: true };
  },
});

async function composingDigests(ctx: MutationCtx, agencyId: Id<"agencies">) {
  return await ctx.db
    .query("outbox")
    .withIndex("by_agency_kind_status_and_created", (q) =>
      q.eq("agencyId", agencyId).eq("message.kind", "notification").eq("status", "composing"),
    )
    .take(MAX_DIGEST_DESTINATIONS);
}

type NotificationMessage = Extract<OutboxMessage, { kind: "notification" }>;

function notificationOf(row: Doc<"outbox">): NotificationMessage {
  if (row.message.kind !== "notification") throw new Error(`outbox row ${row._id} is not a notification`);
  return row.message;
}

/** Adds items to their destination's composing digest; the message text holds the listed lines until release. */
async function foldIntoDigests(
  ctx: MutationCtx,
  agencyId: Id<"agencies">,
  date: string,
  items: Doc<"notificationItems">[],
  now: number,
) {
  const byDestination = new Map<Id<"notificationDestinations">, Doc<"notificationItems">[]>();
  for (const item of items) {
    const group = byDestination.get(item.destinationId);
    if (group) group.push(item);
    else byDestination.set(item.destinationId, [item]);
  }
  const drafts = await composingDigests(ctx, agencyId);
  for (const [destinationId, group] of byDestination) {
    const destination = await ctx.db.get("notificationDestinations", destinationId);
    let deliveryId: Id<"outbox"> | undefined;
    if (destination) {
      const draft = drafts.find((d) => d.message.kind === "notification" && d.message.destinationId === destinationId);
      const message = draft && notificationOf(draft);
      const listed = message?.digestItems ?? 0;
      const lines = group.slice(0, Math.max(0, MAX_DIGEST_LINES - listed)).map(digestLine);
      if (draft && message) {
        deliveryId = draft._id;
        await ctx.db.patch("outbox", draft._id, {
          message: { ...message, text: [message.text, ...lines].filter((l) => l !== "").join("\n"), digestItems: listed + group.length },
        });
      } else {
        ({ outboxId: deliveryId } = await enqueue(ctx, {
          key: outboxKey.digest(destinationId, date, now),
          agencyId,
          channel: destination.kind,
          message: {
            kind: "notification",
            destinationId,
            mode: "digest",
            subject: emailSubject("digest", date),
            text: lines.join("\n"),
            digestItems: group.length,
          },
          composing: true,
        }));
      }
    }
    for (const item of group) await ctx.db.patch("notificationItems", item._id, { state: "digested", deliveryId });
  }
}

/** The agency's composed digests become pending messages, each sent by the outbox. */
async function releaseDigests(ctx: MutationCtx, agencyId: Id<"agencies">, date: string): Promise<number> {
  const drafts = await composingDigests(ctx, agencyId);
  for (const draft of drafts) {
    const message = notificationOf(draft);
    const lines = message.text === "" ? [] : message.text.split("\n");
    await release(ctx, draft, { ...message, text: digestMessage(date, lines, message.digestItems ?? lines.length) });
  }
  return drafts.length;
}

// ---------------------------------------------------------------- staff configuration

function settingsError(e: unknown): never {
  if (
    e instanceof NotificationSettingsError ||
    e instanceof DestinationError ||
    e instanceof PhoneError ||
    e instanceof AvailabilityError ||
    e instanceof SecretError
  ) {
    throw new ConvexError(e.message);
  }
  throw e;
}

/** Settings row with defaults, created when an agency first configures anything. */
async function ensureSettings(ctx: MutationCtx, agencyId: Id<"agencies">): Promise<Doc<"notificationSettings">> {
  const existing = await settingsOf(ctx, agencyId);
  if (existing) return existing;
  const d = NOTIFICATION_DEFAULTS;
  const id = await ctx.db.insert("notificationSettings", {
    agencyId,
    digestHour: d.digestHour,
    digestTimeZone: d.digestTimeZone,
    dedupeWindowMinutes: d.dedupeWindowMinutes,
    nextDigestAt: nextDigestAt(Date.now(), d.digestTimeZone, d.digestHour),
  });
  return (await ctx.db.get("notificationSettings", id))!;
}

async function requireAgency(ctx: MutationCtx, agencyId: Id<"agencies">) {
  if (!(await ctx.db.get("agencies", agencyId))) throw new ConvexError(`agency ${agencyId} not found`);
}

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
  handler: async (ctx, { sealedSecret, ...destination }) => {
    await requireAgency(ctx, destination.agencyId);
    if (sealedSecret !== undefined && !isEncrypted(sealedSecret)) {
      throw new ConvexError("sealedSecret must come from encryptSecret; plaintext secrets are never stored");
    }
    const id = await ctx.db.insert("notificationDestinations", destination);
    if (sealedSecret) await ctx.db.insert("notificationSecrets", { agencyId: destination.agencyId, destinationId: id, sealed: sealedSecret });
    await ensureSettings(ctx, destination.agencyId);
    logEvent("notification.destination_saved", { agencyId: destination.agencyId, destinationId: id, kind: destination.kind });
    return id;
  },
});

/** Removes a destination with its secret and rules; its queued deliveries end as skipped. */
export const removeDestination = internalMutation({
  args: { destinationId: v.id("notificationDestinations") },
  returns: v.null(),
  handler: async (ctx, { destinationId }) => {
    const destination = await ctx.db.get("notificationDestinations", destinationId);
    if (!destination) throw new ConvexError(`notification destination ${destinationId} not found`);
    const rules = await ctx.db
      .query("notificationRules")
      .withIndex("by_destination", (q) => q.eq("destinationId", destinationId))
      .collect();
    for (const rule of rules) await ctx.db.delete("notificationRules", rule._id);
    const secret = await ctx.db
      .query("notificationSecrets")
      .withIndex("by_destination", (q) => q.eq("destinationId", destinationId))
      .unique();
    if (secret) await ctx.db.delete("notificationSecrets", secret._id);
    await ctx.db.delete("notificationDestinations", destinationId);
    logEvent("notification.destination_removed", { agencyId: destination.agencyId, destinationId, rules: rules.length });
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
    await requireAgency(ctx, args.agencyId);
    const destination = await ctx.db.get("notificationDestinations", args.destinationId);
    if (!destination || destination.agencyId !== args.agencyId) {
      throw new ConvexError(`notification destination ${args.destinationId} does not belong to agency ${args.agencyId}`);
    }
    await ensureSettings(ctx, args.agencyId);
    const existing = await ctx.db
      .query("notificationRules")
      .withIndex("by_agency_and_event", (q) =>
        q.eq("agencyId", args.agencyId).eq("event", args.event).eq("destinationId", args.destinationId),
      )
      .unique();
    if (existing) {
      await ctx.db.patch("notificationRules", existing._id, { mode: args.mode });
      return existing._id;
    }
    const count = await ctx.db
      .query("notificationRules")
      .withIndex("by_agency_and_event", (q) => q.eq("agencyId", args.agencyId).eq("event", args.event))
      .take(MAX_RULES_PER_EVENT);
    if (count.length >= MAX_RULES_PER_EVENT) {
      throw new ConvexError(`event ${args.event} already has ${MAX_RULES_PER_EVENT} destinations`);
    }
    return await ctx.db.insert("notificationRules", args);
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
    await requireAgency(ctx, args.agencyId);
    const current = await ensureSettings(ctx, args.agencyId);
    const next = {
      digestHour: args.digestHour ?? current.digestHour,
      digestTimeZone: args.digestTimeZone ?? current.digestTimeZone,
      dedupeWindowMinutes: args.dedupeWindowMinutes ?? current.dedupeWindowMinutes,
    };
    try {
      assertDigestHour(next.digestHour);
      assertTimeZone(next.digestTimeZone, "digestTimeZone");
      assertDedupeWindow(next.dedupeWindowMinutes);
    } catch (e) {
      settingsError(e);
    }
    await ctx.db.patch("notificationSettings", current._id, {
      ...next,
      nextDigestAt: nextDigestAt(Date.now(), next.digestTimeZone, next.digestHour, current.lastDigestLocalDate),
    });
    logEvent("notification.settings_saved", { agencyId: args.agencyId, ...next });
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
        kind: d.channel,
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

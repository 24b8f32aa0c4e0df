/**
 * Notification center: per-agency rules send events (booked, call requested, ...) to
 * Slack, email or SMS, realtime or in a daily digest. `notify` is what the booking path
 * calls: it only reads rules and writes ledger rows, so it is cheap and cannot fail
 * because a destination is broken. Sending happens in `sendDelivery`, retried with backoff.
 */
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import schema from "./schema";
import type { Doc, Id } from "./_generated/dataModel";
import { internalAction, internalQuery, type MutationCtx, type QueryCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { assertTimeZone, AvailabilityError } from "./model/availability";
import { logEvent } from "./model/log";
import { PhoneError, toE164 } from "./model/phone";
import {
  checkSlackToken,
  checkTwilio,
  sendEmail,
  sendSlack,
  sendSms,
  type SendOutcome,
} from "./model/notificationChannels";
import {
  assertDedupeWindow,
  assertDigestHour,
  clampText,
  deliveryMode,
  deliveryStatus,
  destinationKind,
  digestMessage,
  emailSubject,
  localDate,
  MAX_DELIVERY_ATTEMPTS,
  nextDigestAt,
  normalizeDestination,
  NOTIFICATION_DEFAULTS,
  NotificationSettingsError,
  notificationEvent,
  realtimeMessage,
  retryDelayMs,
  type NormalizedDestination,
  type NotificationEvent,
} from "./model/notifications";

/** Rules per (agency, event) read by notify; far above any real configuration. */
const MAX_RULES_PER_EVENT = 20;
/** Pending digest items gathered per agency per run. */
const MAX_DIGEST_ITEMS = 1000;
/** Agencies handled per sendDigests run; a full batch schedules the next run at once. */
const DIGEST_AGENCY_BATCH = 50;

export interface NotifyArgs {
  agencyId: Id<"agencies">;
  opportunityId: Id<"opportunities">;
  event: NotificationEvent;
  callId?: Id<"calls">;
  meetingId?: Id<"meetings">;
  /** Names and links only: never transcript text. */
  text: string;
}

async function settingsOf(ctx: QueryCtx, agencyId: Id<"agencies">) {
  return await ctx.db
    .query("notificationSettings")
    .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
    .unique();
}

/**
 * Routes one event through the agency's rules. Queues a realtime delivery (sent by a
 * scheduled action) or a digest item per matching destination, each (opportunity,
 * event, destination) at most once per dedupe window. Writes and schedules only.
 */
export async function notify(
  ctx: MutationCtx,
  e: NotifyArgs,
): Promise<{ queued: number; digested: number; duplicates: number }> {
  const result = { queued: 0, digested: 0, duplicates: 0 };
  const rules = await ctx.db
    .query("notificationRules")
    .withIndex("by_agency_and_event", (q) => q.eq("agencyId", e.agencyId).eq("event", e.event))
    .take(MAX_RULES_PER_EVENT);
  if (rules.length > 0) {
    const settings = await settingsOf(ctx, e.agencyId);
    const windowMs = (settings?.dedupeWindowMinutes ?? NOTIFICATION_DEFAULTS.dedupeWindowMinutes) * 60_000;
    const now = Date.now();
    const text = clampText(e.text);
    for (const rule of rules) {
      const destination = await ctx.db.get("notificationDestinations", rule.destinationId);
      if (!destination) continue;
      // Reading this index range makes concurrent notifies of the same triple serialize.
      const recent = await ctx.db
        .query("notificationItems")
        .withIndex("by_opportunity_event_destination", (q) =>
          q
            .eq("opportunityId", e.opportunityId)
            .eq("event", e.event)
            .eq("destinationId", destination._id)
            .gt("createdAt", now - windowMs),
        )
        .first();
      if (recent) {
        result.duplicates++;
        continue;
      }
      const item = {
        agencyId: e.agencyId,
        opportunityId: e.opportunityId,
        event: e.event,
        destinationId: destination._id,
        callId: e.callId,
        meetingId: e.meetingId,
        text,
        createdAt: now,
      };
      if (rule.mode === "digest") {
        await ctx.db.insert("notificationItems", { ...item, state: "digest_pending" });
        result.digested++;
        continue;
      }
      const deliveryId = await ctx.db.insert("notificationDeliveries", {
        agencyId: e.agencyId,
        destinationId: destination._id,
        kind: destination.kind,
        mode: "realtime",
        subject: emailSubject(e.event),
        text: realtimeMessage(e.event, text),
        status: "pending",
        attempts: 0,
        createdAt: now,
      });
      await ctx.db.insert("notificationItems", { ...item, state: "realtime", deliveryId });
      await ctx.scheduler.runAfter(0, internal.notifications.sendDelivery, { deliveryId });
      result.queued++;
    }
  }
  logEvent("notification.routed", {
    agencyId: e.agencyId,
    opportunityId: e.opportunityId,
    event: e.event,
    rules: rules.length,
    ...result,
  });
  return result;
}

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

// ---------------------------------------------------------------- delivery

const sendJob = v.object({
  kind: destinationKind,
  target: v.string(),
  subject: v.string(),
  text: v.string(),
  slackBotToken: v.optional(v.string()),
  twilio: v.optional(v.object({ accountSid: v.string(), authToken: v.string(), fromNumber: v.string() })),
  emailFrom: v.optional(v.string()),
});

/**
 * Moves a pending delivery to "sending" and hands the action what it needs, secret
 * included (the one place a secret leaves its table). Anything not pending returns
 * null: a duplicate or late retry never sends twice. Unconfigured destinations are
 * settled here as skipped / disabled.
 */
export const claimDelivery = internalMutation({
  args: { deliveryId: v.id("notificationDeliveries") },
  returns: v.union(v.null(), sendJob),
  handler: async (ctx, { deliveryId }) => {
    const delivery = await ctx.db.get("notificationDeliveries", deliveryId);
    if (!delivery || delivery.status !== "pending") return null;
    const settle = async (status: "skipped" | "disabled", reason: string) => {
      await ctx.db.patch("notificationDeliveries", deliveryId, { status, lastError: reason });
      logEvent("notification.settled", { deliveryId, kind: delivery.kind, status, reason });
      return null;
    };
    const destination = await ctx.db.get("notificationDestinations", delivery.destinationId);
    if (!destination) return await settle("skipped", "destination removed");
    const secret = await ctx.db
      .query("notificationSecrets")
      .withIndex("by_destination", (q) => q.eq("destinationId", destination._id))
      .unique();
    const job = { kind: destination.kind, target: destination.target, subject: delivery.subject, text: delivery.text };
    let extra: { slackBotToken?: string; twilio?: NonNullable<typeof secret>["twilio"]; emailFrom?: string };
    switch (destination.kind) {
      case "slack":
        if (!secret?.slackBotToken) return await settle("skipped", "slack token missing");
        extra = { slackBotToken: secret.slackBotToken };
        break;
      case "sms":
        if (!secret?.twilio) return await settle("skipped", "twilio not configured");
        extra = { twilio: secret.twilio };
        break;
      case "email": {
        const emailFrom = process.env.EMAIL_FROM;
        if (!process.env.RESEND_API_KEY || !emailFrom) return await settle("disabled", "email disabled: RESEND_API_KEY or EMAIL_FROM unset");
        extra = { emailFrom };
        break;
      }
    }
    await ctx.db.patch("notificationDeliveries", deliveryId, { status: "sending", attempts: delivery.attempts + 1 });
    return { ...job, ...extra };
  },
});

/** Records one attempt's outcome; a retryable failure goes back to pending with a backoff retry. */
export const finishDelivery = internalMutation({
  args: {
    deliveryId: v.id("notificationDeliveries"),
    ok: v.boolean(),
    retryable: v.boolean(),
    error: v.optional(v.string()),
    providerMessageId: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const delivery = await ctx.db.get("notificationDeliveries", args.deliveryId);
    if (!delivery || delivery.status !== "sending") return null;
    const base = { deliveryId: args.deliveryId, kind: delivery.kind, mode: delivery.mode, attempts: delivery.attempts };
    if (args.ok) {
      await ctx.db.patch("notificationDeliveries", args.deliveryId, {
        status: "sent",
        sentAt: Date.now(),
        providerMessageId: args.providerMessageId,
      });
      logEvent("notification.sent", base);
    } else if (args.retryable && delivery.attempts < MAX_DELIVERY_ATTEMPTS) {
      const delayMs = retryDelayMs(delivery.attempts);
      await ctx.db.patch("notificationDeliveries", args.deliveryId, { status: "pending", lastError: args.error });
      await ctx.scheduler.runAfter(delayMs, internal.notifications.sendDelivery, { deliveryId: args.deliveryId });
      logEvent("notification.retry", { ...base, error: args.error, delayMs });
    } else {
      await ctx.db.patch("notificationDeliveries", args.deliveryId, { status: "failed", lastError: args.error });
      logEvent("notification.failed", { ...base, error: args.error });
    }
    return null;
  },
});

/** Sends one delivery: claim, call the provider, record. Never throws into anyone. */
export const sendDelivery = internalAction({
  args: { deliveryId: v.id("notificationDeliveries") },
  returns: v.null(),
  handler: async (ctx, { deliveryId }) => {
    const job = await ctx.runMutation(internal.notifications.claimDelivery, { deliveryId });
    if (!job) return null;
    let outcome: SendOutcome;
    if (job.kind === "slack" && job.slackBotToken) {
      outcome = await sendSlack(job.slackBotToken, job.target, job.text);
    } else if (job.kind === "sms" && job.twilio) {
      outcome = await sendSms(job.twilio, job.target, job.text);
    } else if (job.kind === "email" && job.emailFrom) {
      outcome = await sendEmail(process.env.RESEND_API_KEY ?? "", {
        from: job.emailFrom,
        to: job.target,
        subject: job.subject,
        text: job.text,
        // Resend drops a repeat of the same key, so even a lost "sent" mark cannot double-send.
        idempotencyKey: `atlas-notification/${deliveryId}`,
      });
    } else {
      outcome = { ok: false, retryable: false, error: "destination incomplete" };
    }
    await ctx.runMutation(internal.notifications.finishDelivery, {
      deliveryId,
      ok: outcome.ok,
      retryable: !outcome.ok && outcome.retryable,
      error: outcome.ok ? undefined : outcome.error,
      providerMessageId: outcome.ok ? outcome.providerMessageId : undefined,
    });
    return null;
  },
});

// ---------------------------------------------------------------- daily digest

/**
 * Hourly cron target. For each agency whose digest hour has come (in its own zone,
 * DST included) and whose local date has had no digest yet, sends one summary per
 * destination of the pending digest items and marks them.
 */
export const sendDigests = internalMutation({
  args: {},
  returns: v.object({ agencies: v.number(), messages: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const due = await ctx.db
      .query("notificationSettings")
      .withIndex("by_next_digest_at", (q) => q.lte("nextDigestAt", now))
      .take(DIGEST_AGENCY_BATCH);
    let messages = 0;
    // nextDigestAt is always a digest hour on a local date after the last digest, so a
    // due row is one whose local digest hour has come and whose date has had none yet.
    for (const settings of due) {
      const date = localDate(now, settings.digestTimeZone);
      messages += await digestAgency(ctx, settings, date, now);
      await ctx.db.patch("notificationSettings", settings._id, {
        lastDigestLocalDate: date,
        nextDigestAt: nextDigestAt(now, settings.digestTimeZone, settings.digestHour, date),
      });
    }
    if (due.length === DIGEST_AGENCY_BATCH) await ctx.scheduler.runAfter(0, internal.notifications.sendDigests, {});
    logEvent("notification.digests", { agencies: due.length, messages });
    return { agencies: due.length, messages };
  },
});

async function digestAgency(ctx: MutationCtx, settings: Doc<"notificationSettings">, date: string, now: number) {
  const items = await ctx.db
    .query("notificationItems")
    .withIndex("by_agency_and_state", (q) => q.eq("agencyId", settings.agencyId).eq("state", "digest_pending"))
    .take(MAX_DIGEST_ITEMS);
  const byDestination = new Map<Id<"notificationDestinations">, Doc<"notificationItems">[]>();
  for (const item of items) byDestination.set(item.destinationId, [...(byDestination.get(item.destinationId) ?? []), item]);
  let messages = 0;
  for (const [destinationId, group] of byDestination) {
    const destination = await ctx.db.get("notificationDestinations", destinationId);
    let deliveryId: Id<"notificationDeliveries"> | undefined;
    if (destination) {
      deliveryId = await ctx.db.insert("notificationDeliveries", {
        agencyId: settings.agencyId,
        destinationId,
        kind: destination.kind,
        mode: "digest",
        subject: emailSubject("digest", date),
        text: digestMessage(date, group),
        status: "pending",
        attempts: 0,
        createdAt: now,
      });
      await ctx.scheduler.runAfter(0, internal.notifications.sendDelivery, { deliveryId });
      messages++;
    }
    for (const item of group) await ctx.db.patch("notificationItems", item._id, { state: "digested", deliveryId });
  }
  return messages;
}

// ---------------------------------------------------------------- staff configuration

function settingsError(e: unknown): never {
  if (e instanceof NotificationSettingsError || e instanceof PhoneError || e instanceof AvailabilityError) {
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
 * Staff add a destination. Slack tokens are checked with auth.test and Twilio
 * credentials against the account before anything is stored; a refused secret
 * stores nothing. Email needs no secret (RESEND_API_KEY, EMAIL_FROM are env).
 */
export const saveDestination = internalAction({
  args: {
    agencyId: v.id("agencies"),
    kind: destinationKind,
    label: v.optional(v.string()),
    target: v.string(),
    slackBotToken: v.optional(v.string()),
    twilioAccountSid: v.optional(v.string()),
    twilioAuthToken: v.optional(v.string()),
    twilioFromNumber: v.optional(v.string()),
  },
  returns: v.id("notificationDestinations"),
  handler: async (ctx, { agencyId, ...input }): Promise<Id<"notificationDestinations">> => {
    let destination: NormalizedDestination;
    try {
      destination = normalizeDestination(input, toE164);
    } catch (e) {
      settingsError(e);
    }
    const { slackBotToken, twilio } = destination.secret ?? {};
    if (slackBotToken) {
      const check = await checkSlackToken(slackBotToken);
      if (!check.ok) throw new ConvexError(`Slack refused the bot token (${check.error}); nothing was stored`);
    }
    if (twilio) {
      const check = await checkTwilio(twilio);
      if (!check.ok) {
        throw new ConvexError(`Twilio refused the credentials for account ${twilio.accountSid} (${check.error}); nothing was stored`);
      }
    }
    return await ctx.runMutation(internal.notifications.storeDestination, { agencyId, ...destination });
  },
});

/** Stores a destination checked by saveDestination (call that, not this). */
export const storeDestination = internalMutation({
  args: {
    ...schema.tables.notificationDestinations.validator.fields,
    secret: v.optional(
      v.object({
        slackBotToken: v.optional(v.string()),
        twilio: v.optional(v.object({ accountSid: v.string(), authToken: v.string(), fromNumber: v.string() })),
      }),
    ),
  },
  returns: v.id("notificationDestinations"),
  handler: async (ctx, { secret, ...destination }) => {
    await requireAgency(ctx, destination.agencyId);
    const id = await ctx.db.insert("notificationDestinations", destination);
    if (secret) await ctx.db.insert("notificationSecrets", { agencyId: destination.agencyId, destinationId: id, ...secret });
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
      assertTimeZone(next.digestTimeZone);
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

/** The latest deliveries, newest first: what went where and how it ended. */
export const listDeliveries = internalQuery({
  args: { agencyId: v.id("agencies"), limit: v.optional(v.number()) },
  returns: v.array(
    v.object({
      id: v.id("notificationDeliveries"),
      destinationId: v.id("notificationDestinations"),
      kind: destinationKind,
      mode: deliveryMode,
      text: v.string(),
      status: deliveryStatus,
      attempts: v.number(),
      lastError: v.optional(v.string()),
      sentAt: v.optional(v.number()),
      createdAt: v.number(),
    }),
  ),
  handler: async (ctx, { agencyId, limit }) => {
    const rows = await ctx.db
      .query("notificationDeliveries")
      .withIndex("by_agency_and_created", (q) => q.eq("agencyId", agencyId))
      .order("desc")
      .take(Math.min(Math.max(1, Math.floor(limit ?? 50)), 200));
    return rows.map((d) => ({
      id: d._id,
      destinationId: d.destinationId,
      kind: d.kind,
      mode: d.mode,
      text: d.text,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      sentAt: d.sentAt,
      createdAt: d.createdAt,
    }));
  },
});

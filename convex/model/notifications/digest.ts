/**
 * The daily digest: pending items are folded into one "composing" outbox message per
 * destination, a batch per transaction, then released for the outbox to send.
 */
import type { MutationCtx } from "../../_generated/server";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { enqueue, release } from "../outbox/ledger";
import { outboxKey, type OutboxMessage } from "../outbox/messages";
import { logEvent } from "../log";
import { digestLine, digestMessage, emailSubject, localDate, MAX_DIGEST_LINES, nextDigestAt } from "./events";

/**
 * Pending digest items folded into the digest per transaction: 1,000 item writes
 * plus one per destination, far inside 16,000 writes and 32,000 reads.
 */
export const DIGEST_ITEM_BATCH = 1000;
/** Due agencies read per sendDigests transaction; each gets its own scheduled digest (1,000 schedules is the cap). */
export const DIGEST_AGENCY_PAGE = 200;
/** A digest run not heard from for this long is started again by the next cron run. */
export const DIGEST_LEASE_MS = 15 * 60_000;
/** Destinations one agency's digest can address at once (realistically a handful). */
const MAX_DIGEST_DESTINATIONS = 200;

/**
 * Reads one page of agencies whose digest is due and starts each one's digest in
 * its own transactions (digestBatch); an agency whose digest is under way is left to it
 * until its lease lapses. Continues itself with `dueBy` and `cursor`.
 */
export async function startDueDigests(
  ctx: MutationCtx,
  args: { dueBy?: number; cursor?: string },
): Promise<{ due: number; started: number }> {
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
}

/**
 * One transaction of one agency's digest: folds up to DIGEST_ITEM_BATCH pending items
 * into the composing messages; the transaction that finds the rest releases them for
 * sending and only then advances nextDigestAt.
 */
export async function digestBatch(
  ctx: MutationCtx,
  settingsId: Id<"notificationSettings">,
): Promise<{ items: number; messages: number; done: boolean }> {
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
}

async function composingDigests(ctx: MutationCtx, agencyId: Id<"agencies">) {
  return await ctx.db
    .query("outbox")
    .withIndex("by_agency_kind_status_and_created", (q) =>
      q.eq("agencyId", agencyId).eq("message.kind", "notification").eq("status", "composing"),
    )
    .take(MAX_DIGEST_DESTINATIONS);
}

type NotificationMessage = Extract<OutboxMessage, { kind: "notification" }>;

export function notificationOf(row: Doc<"outbox">): NotificationMessage {
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

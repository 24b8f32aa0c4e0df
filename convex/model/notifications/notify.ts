/**
 * Routing: `notify` is what the booking path calls. It only reads rules and writes
 * ledger rows, so it is cheap and cannot fail because a destination is broken.
 * Sending is the outbox's, retried with backoff.
 */
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import type { Id } from "../../_generated/dataModel";
import { enqueue } from "../outbox/ledger";
import { outboxKey } from "../outbox/messages";
import { logEvent } from "../log";
import { clampText, emailSubject, NOTIFICATION_DEFAULTS, realtimeMessage, type NotificationEvent } from "./events";

/** Rules per (agency, event) read by notify; far above any real configuration. */
export const MAX_RULES_PER_EVENT = 20;

export interface NotifyArgs {
  agencyId: Id<"agencies">;
  /** Absent for agency-level events (calendar_disconnected). */
  opportunityId?: Id<"opportunities">;
  event: NotificationEvent;
  callId?: Id<"calls">;
  meetingId?: Id<"meetings">;
  /** Names and links only: never transcript text. */
  text: string;
}

export async function settingsOf(ctx: QueryCtx, agencyId: Id<"agencies">) {
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
      // Agency-level events are raised once per change of state by their callers, so they are not deduped here.
      const recent =
        e.opportunityId !== undefined &&
        (await ctx.db
          .query("notificationItems")
          .withIndex("by_opportunity_event_destination", (q) =>
            q
              .eq("opportunityId", e.opportunityId)
              .eq("event", e.event)
              .eq("destinationId", destination._id)
              .gt("createdAt", now - windowMs),
          )
          .first());
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
      const itemId = await ctx.db.insert("notificationItems", { ...item, state: "realtime" });
      const { outboxId } = await enqueue(ctx, {
        key: outboxKey.notification(itemId),
        agencyId: e.agencyId,
        channel: destination.kind,
        message: {
          kind: "notification",
          destinationId: destination._id,
          mode: "realtime",
          subject: emailSubject(e.event),
          text: realtimeMessage(e.event, text),
        },
      });
      await ctx.db.patch("notificationItems", itemId, { deliveryId: outboxId });
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

/**
 * Staff configuration of the notification center: destinations (checked by their channel,
 * secrets sealed before storing), rules and digest settings. Bad input is a ConvexError naming the field.
 */
import { ConvexError } from "convex/values";
import type { MutationCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { AvailabilityError, assertTimeZone } from "../scheduling/availability";
import { PhoneError } from "../scheduling/phone";
import { DestinationError } from "../channels/shared";
import { encryptSecret, isEncrypted, SecretError } from "../secrets";
import type { DeliveryMode } from "../outbox/messages";
import { logEvent } from "../log";
import { assertDedupeWindow, assertDigestHour, NOTIFICATION_DEFAULTS, NotificationSettingsError, nextDigestAt, type NotificationEvent } from "./events";
import { MAX_RULES_PER_EVENT, settingsOf } from "./notify";

/** A destination's secret as stored: its channel's secret as encrypted JSON, so the Data page shows ciphertext only. */
export async function sealSecret(secret: unknown): Promise<string> {
  return await encryptSecret(JSON.stringify(secret));
}

/** A refused setting becomes a ConvexError with the field's message (never the value); anything else is a bug and rethrown. */
export function settingsError(e: unknown): never {
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

/** Stores a destination checked and encrypted by the saveDestination action. */
export async function storeDestination(
  ctx: MutationCtx,
  { sealedSecret, ...destination }: Omit<Doc<"notificationDestinations">, "_id" | "_creationTime"> & { sealedSecret?: string },
): Promise<Id<"notificationDestinations">> {
  await requireAgency(ctx, destination.agencyId);
  if (sealedSecret !== undefined && !isEncrypted(sealedSecret)) {
    throw new ConvexError("sealedSecret must come from encryptSecret; plaintext secrets are never stored");
  }
  const id = await ctx.db.insert("notificationDestinations", destination);
  if (sealedSecret) await ctx.db.insert("notificationSecrets", { agencyId: destination.agencyId, destinationId: id, sealed: sealedSecret });
  await ensureSettings(ctx, destination.agencyId);
  logEvent("notification.destination_saved", { agencyId: destination.agencyId, destinationId: id, kind: destination.kind });
  return id;
}

/** Removes a destination with its secret and rules; its queued deliveries end as skipped. */
export async function removeDestination(ctx: MutationCtx, destinationId: Id<"notificationDestinations">): Promise<void> {
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
}

/** Sends `event` to `destinationId`, realtime or in the digest (replaces that pair's rule). */
export async function setRule(
  ctx: MutationCtx,
  args: { agencyId: Id<"agencies">; event: NotificationEvent; destinationId: Id<"notificationDestinations">; mode: DeliveryMode },
): Promise<Id<"notificationRules">> {
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
}

/** Digest hour (0-23) and IANA zone, dedupe window in minutes; omitted fields keep their value. */
export async function saveSettings(
  ctx: MutationCtx,
  args: { agencyId: Id<"agencies">; digestHour?: number; digestTimeZone?: string; dedupeWindowMinutes?: number },
): Promise<void> {
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
}

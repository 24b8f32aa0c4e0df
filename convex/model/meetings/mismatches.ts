/**
 * What reconciliation found that disagreed with Atlas, stored as it is found so the
 * report is a read of this table, never a call to a provider. One open row per
 * (opportunity, kind): finding the same drift every five minutes records it once.
 */
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import type { Id } from "../../_generated/dataModel";
import { DAY } from "../scheduling/availability";
import { logEvent } from "../log";
import type { MismatchKind } from "./validators";
import { recordMeetingEvent } from "./events";

export interface FoundMismatch {
  agencyId: Id<"agencies">;
  opportunityId: Id<"opportunities">;
  meetingId?: Id<"meetings">;
  kind: MismatchKind;
  /** Ids, statuses and codes only: no names, emails or phone numbers. */
  details: string;
}

/** Stores the mismatch unless the same one is still open; `resolved`: reconciliation applies the provider's state at once. */
export async function recordMismatch(ctx: MutationCtx, found: FoundMismatch, resolved = false): Promise<boolean> {
  const open = await ctx.db
    .query("meetingMismatches")
    .withIndex("by_opportunity_kind_and_resolved", (q) =>
      q.eq("opportunityId", found.opportunityId).eq("kind", found.kind).eq("resolved", false),
    )
    .first();
  if (open) return false;
  const now = Date.now();
  await ctx.db.insert("meetingMismatches", { ...found, detectedAt: now, resolved, resolvedAt: resolved ? now : undefined });
  if (found.meetingId) {
    await recordMeetingEvent(ctx, { _id: found.meetingId, agencyId: found.agencyId }, { kind: "mismatch", to: found.kind, source: "reconcile" });
  }
  logEvent("reconcile.mismatch", { agencyId: found.agencyId, opportunityId: found.opportunityId, meetingId: found.meetingId, kind: found.kind, resolved });
  return true;
}

/** Closes the open mismatches of these kinds: the provider and Atlas agree again. */
export async function resolveMismatches(ctx: MutationCtx, opportunityId: Id<"opportunities">, kinds: MismatchKind[]): Promise<void> {
  for (const kind of kinds) {
    const open = await ctx.db
      .query("meetingMismatches")
      .withIndex("by_opportunity_kind_and_resolved", (q) => q.eq("opportunityId", opportunityId).eq("kind", kind).eq("resolved", false))
      .take(10);
    for (const row of open) await ctx.db.patch("meetingMismatches", row._id, { resolved: true, resolvedAt: Date.now() });
  }
}

/** Most rows a report returns: newest first. */
export const REPORT_LIMIT = 1000;

export async function mismatchReport(ctx: QueryCtx, agencyId: Id<"agencies">, sinceDays: number, now: number) {
  const rows = await ctx.db
    .query("meetingMismatches")
    .withIndex("by_agency_and_detected", (q) => q.eq("agencyId", agencyId).gte("detectedAt", now - sinceDays * DAY))
    .order("desc")
    .take(REPORT_LIMIT);
  return rows.map((r) => ({
    kind: r.kind,
    opportunityId: r.opportunityId,
    meetingId: r.meetingId,
    detectedAt: r.detectedAt,
    resolved: r.resolved,
    details: r.details,
  }));
}

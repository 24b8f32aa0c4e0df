/** The callback funnel: messages taken, callbacks connected and the median wait, for messages taken in a range. */
import { v } from "convex/values";
import type { Id } from "../../_generated/dataModel";
import type { QueryCtx } from "../../_generated/server";

/** What staff see of the callbacks in a range: callers' messages taken, those whose callback connected, the median minutes to it. */
export const callbackFunnelFields = {
  messagesTaken: v.number(),
  callbacksConnected: v.number(),
  medianMinutesToConnection: v.union(v.number(), v.null()),
};

/** Messages one funnel read takes (each small): well inside a query's read limits. */
export const MAX_FUNNEL_MESSAGES = 4000;

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function callbackFunnel(messages: { _creationTime: number; status: string; connectedAt?: number }[]) {
  const minutes = messages.flatMap((m) =>
    m.status === "connected" && m.connectedAt !== undefined ? [(m.connectedAt - m._creationTime) / 60_000] : [],
  );
  const middle = median(minutes);
  return {
    messagesTaken: messages.length,
    callbacksConnected: minutes.length,
    medianMinutesToConnection: middle === null ? null : Math.round(middle * 10) / 10,
  };
}

/**
 * The callback counts for messages taken in [from, to): reads at most
 * MAX_FUNNEL_MESSAGES messages (`truncated` says when the range held more).
 */
export async function readCallbackFunnel(db: QueryCtx["db"], agencyId: Id<"agencies">, from: number, to: number) {
  const rows = await db
    .query("staffMessages")
    .withIndex("by_agency", (q) => q.eq("agencyId", agencyId).gte("_creationTime", from).lt("_creationTime", to))
    .take(MAX_FUNNEL_MESSAGES + 1);
  return { ...callbackFunnel(rows.slice(0, MAX_FUNNEL_MESSAGES)), truncated: rows.length > MAX_FUNNEL_MESSAGES };
}

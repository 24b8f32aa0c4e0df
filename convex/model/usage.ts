/**
 * Usage for billing: per agency and UTC calendar month, counters raised in the same
 * mutation as what they count, so a month reads one document at any volume.
 * - bookedMeetings: bookSlot (the one way Atlas books a meeting), when it books, and recordFoundBooking
 *   (calendarSync/found.ts: the one way a booking made on the agency's own Cal.com or Calendly is recorded);
 * - connected seconds, billed minutes and Vapi cost: the `calls` trigger (convex/functions.ts),
 *   whenever a call's duration or cost changes, in the month the call was dialled;
 * - texts: the sender of a text calls recordUsage(ctx, agencyId, { texts: 1 }) when it is sent;
 * - staff callback calls (not `calls` rows): their report's duration and cost, once (recordStaffCallUsage).
 */
import { DateTime } from "luxon";
import type { DatabaseWriter } from "../_generated/server";
import type { Doc, Id } from "../_generated/dataModel";

export interface UsageCounts {
  bookedMeetings: number;
  connectedSeconds: number;
  billedMinutes: number;
  callCostMicros: number;
  texts: number;
}

export const EMPTY_USAGE: UsageCounts = { bookedMeetings: 0, connectedSeconds: 0, billedMinutes: 0, callCostMicros: 0, texts: 0 };

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The UTC calendar month of an instant, "YYYY-MM". */
export function usageMonth(at: number): string {
  return DateTime.fromMillis(at, { zone: "utc" }).toFormat("yyyy-MM");
}

/** Adds `delta` to the agency's counters for the month of `at` (now by default). */
export async function recordUsage(
  ctx: { db: DatabaseWriter },
  agencyId: Id<"agencies">,
  delta: Partial<UsageCounts>,
  at: number = Date.now(),
): Promise<void> {
  const month = usageMonth(at);
  const row = await ctx.db
    .query("usageMonths")
    .withIndex("by_agency_and_month", (q) => q.eq("agencyId", agencyId).eq("month", month))
    .unique();
  const counts = { ...EMPTY_USAGE };
  for (const k of Object.keys(counts) as (keyof UsageCounts)[]) counts[k] = (row?.[k] ?? 0) + (delta[k] ?? 0);
  if (row) await ctx.db.patch("usageMonths", row._id, counts);
  else await ctx.db.insert("usageMonths", { agencyId, month, ...counts });
}

type CallUsage = Pick<UsageCounts, "connectedSeconds" | "billedMinutes" | "callCostMicros">;

/** What a call adds to its month: its connected time (each call rounded up to whole minutes) and its cost. */
export function callUsage(call: Pick<Doc<"calls">, "durationSeconds" | "cost">): CallUsage {
  const seconds = Math.max(0, Math.round(call.durationSeconds ?? 0));
  return { connectedSeconds: seconds, billedMinutes: Math.ceil(seconds / 60), callCostMicros: Math.round((call.cost ?? 0) * 1e6) };
}

const isEmpty = (u: CallUsage) => u.connectedSeconds === 0 && u.billedMinutes === 0 && u.callCostMicros === 0;

/**
 * Keeps the month counters equal to the calls' own durations and costs across a write
 * from `before` to `after` (null: absent). Most writes change neither and cost nothing.
 */
export async function syncCallUsage(db: DatabaseWriter, before: Doc<"calls"> | null, after: Doc<"calls"> | null): Promise<void> {
  const was = before ? callUsage(before) : null;
  const now = after ? callUsage(after) : null;
  const sameMonth = before && after && before.agencyId === after.agencyId && usageMonth(before.dialAt) === usageMonth(after.dialAt);
  if (sameMonth) {
    const delta = {
      connectedSeconds: now!.connectedSeconds - was!.connectedSeconds,
      billedMinutes: now!.billedMinutes - was!.billedMinutes,
      callCostMicros: now!.callCostMicros - was!.callCostMicros,
    };
    if (!isEmpty(delta)) await recordUsage({ db }, after.agencyId, delta, after.dialAt);
    return;
  }
  if (before && was && !isEmpty(was)) {
    await recordUsage({ db }, before.agencyId, { connectedSeconds: -was.connectedSeconds, billedMinutes: -was.billedMinutes, callCostMicros: -was.callCostMicros }, before.dialAt);
  }
  if (after && now && !isEmpty(now)) await recordUsage({ db }, after.agencyId, now, after.dialAt);
}

/**
 * A staff callback call's report: its connected time and cost count once, in the month
 * the call started (the attempt remembers it was counted; a repeated report adds nothing).
 */
export async function recordStaffCallUsage(
  db: DatabaseWriter,
  attempt: Doc<"callbackAttempts">,
  report: { durationSeconds?: number; cost?: number; startedAt?: number },
): Promise<void> {
  if (attempt.usageRecordedAt !== undefined || (report.durationSeconds === undefined && report.cost === undefined)) return;
  const usage = callUsage(report);
  if (!isEmpty(usage)) await recordUsage({ db }, attempt.agencyId, usage, report.startedAt ?? Date.now());
  await db.patch("callbackAttempts", attempt._id, { durationSeconds: report.durationSeconds, usageRecordedAt: Date.now() });
}

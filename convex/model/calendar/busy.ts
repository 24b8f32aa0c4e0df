/**
 * Busy blocks from the agency's calendar, as stored in `calendarBusy`: Google's
 * free/busy answer over the horizon, minus Atlas's own booked meetings (their
 * events are busy in Google too, and must never block moving or re-checking
 * the meeting they belong to). A sync replaces the agency's blocks in bounded
 * batches: new rows first, then the older ones pruned, so in between a time is
 * at worst busy twice, never free by mistake.
 */
import type { Id } from "../../_generated/dataModel";
import type { MutationCtx } from "../../_generated/server";
import { MINUTE } from "../scheduling/availability";
import type { Interval } from "../providers/googleCalendar";

/** Blocks written per transaction. */
export const BUSY_BATCH = 500;
/** Blocks read (and deleted) per pruning transaction. */
export const PRUNE_BATCH = 1000;
/** The longest meeting Atlas books: meetings starting this long before a block can still overlap it. */
const MAX_MEETING_MS = 24 * 60 * MINUTE;
/** Own meetings read per batch of blocks; far above any agency's bookings in one batch's span. */
const MAX_OWN_MEETINGS = 4000;

/** Sorted, overlapping and touching intervals merged. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

/** `busy` with every `cut` interval removed: what is left of each block, split where a cut falls inside it. */
export function subtractIntervals(busy: Interval[], cuts: Interval[]): Interval[] {
  const holes = mergeIntervals(cuts);
  const out: Interval[] = [];
  for (const block of mergeIntervals(busy)) {
    let start = block.start;
    for (const h of holes) {
      if (h.end <= start) continue;
      if (h.start >= block.end) break;
      if (h.start > start) out.push({ start, end: h.start });
      start = Math.max(start, h.end);
      if (start >= block.end) break;
    }
    if (start < block.end) out.push({ start, end: block.end });
  }
  return out;
}

/**
 * Writes one batch of Google's blocks, each minus the agency's booked meetings
 * read in this transaction. Returns the creation time of the first row written
 * (rows older than a sync's first row are the previous sync's), or null.
 */
export async function storeBusyBatch(ctx: MutationCtx, agencyId: Id<"agencies">, blocks: Interval[]): Promise<number | null> {
  if (blocks.length === 0) return null;
  const from = Math.min(...blocks.map((b) => b.start));
  const to = Math.max(...blocks.map((b) => b.end));
  const own = await ctx.db
    .query("meetings")
    .withIndex("by_agency_status_and_time", (q) =>
      q.eq("agencyId", agencyId).eq("status", "booked").gt("meetingTime", from - MAX_MEETING_MS).lt("meetingTime", to),
    )
    .take(MAX_OWN_MEETINGS);
  const cuts = own.map((m) => ({ start: m.meetingTime, end: m.meetingTime + m.durationMinutes * MINUTE }));
  let first: number | null = null;
  for (const b of subtractIntervals(blocks, cuts)) {
    const id = await ctx.db.insert("calendarBusy", { agencyId, start: b.start, end: b.end, source: "google" });
    first ??= (await ctx.db.get("calendarBusy", id))!._creationTime;
  }
  return first;
}

/** Deletes one page of the agency's blocks created before `before`; returns the next cursor, or null when done. */
export async function pruneBusyPage(
  ctx: MutationCtx,
  agencyId: Id<"agencies">,
  before: number,
  cursor: string | null,
): Promise<{ deleted: number; cursor: string | null }> {
  const page = await ctx.db
    .query("calendarBusy")
    .withIndex("by_agency_and_end", (q) => q.eq("agencyId", agencyId))
    .paginate({ cursor, numItems: PRUNE_BATCH });
  let deleted = 0;
  for (const row of page.page) {
    if (row._creationTime >= before) continue;
    await ctx.db.delete("calendarBusy", row._id);
    deleted++;
  }
  return { deleted, cursor: page.isDone ? null : page.continueCursor };
}

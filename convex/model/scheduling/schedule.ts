import type { QueryCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { rulesFor } from "../agency";
import { busyReadRange, MINUTE, slotLabel, toZonedIso, type BusyMeeting, type Range, type SchedulingRules } from "./availability";


/**
 * What is busy around a range of starts: the booked meetings that start in it and the
 * calendar busy blocks that overlap it, as one list (the one rule, `evaluateSlot`, treats
 * both alike). Meetings are read through `by_agency_and_time` over the range (not the
 * agency's history). Blocks are read through `by_agency_and_end` from the range's start:
 * nothing that ended before it is read, but a long block can end far past the range, so
 * the scan runs on to the agency's last block, which is the end of the horizon the sync
 * stores and replaces (hundreds of ~100-byte rows; 500 are some 50 KB of a transaction's
 * 16 MiB). In a mutation these reads are the ranges that make concurrent bookings, and a
 * booking and a sync that changes the blocks, conflict and retry.
 */
export async function loadBusyMeetings(
  ctx: QueryCtx,
  agencyId: Id<"agencies">,
  /** Starts of the meetings that can block the times in question (widened by the longest meeting and the buffer). */
  range: Range,
  /** A meeting being moved does not block its own new time. */
  excludeMeetingId?: Id<"meetings">,
): Promise<BusyMeeting[]> {
  const meetings = await ctx.db
    .query("meetings")
    .withIndex("by_agency_and_time", (q) =>
      q.eq("agencyId", agencyId).gte("meetingTime", range.start).lt("meetingTime", range.end),
    )
    .collect();
  const blocks = await ctx.db
    .query("calendarBusy")
    .withIndex("by_agency_and_end", (q) => q.eq("agencyId", agencyId).gt("end", range.start))
    .collect();
  return busyTimes(meetings, blocks, range, excludeMeetingId);
}

/**
 * Booked meetings (but the one being moved) and the calendar blocks overlapping `range`,
 * as busy times. A block is busy as it stands: the sync has already left out Atlas's own
 * meetings, so none of them is the meeting being moved.
 */
export function busyTimes(
  meetings: Pick<Doc<"meetings">, "_id" | "meetingTime" | "durationMinutes" | "status">[],
  blocks: Pick<Doc<"calendarBusy">, "start" | "end">[],
  range: Range,
  excludeMeetingId?: Id<"meetings">,
): BusyMeeting[] {
  const booked = meetings
    .filter((m) => m.status === "booked" && m._id !== excludeMeetingId)
    .map((m) => ({ start: m.meetingTime, end: m.meetingTime + m.durationMinutes * MINUTE }));
  const busy = blocks.filter((b) => b.start < range.end && b.end > range.start).map((b) => ({ start: b.start, end: b.end }));
  return [...booked, ...busy];
}

export interface AgencySchedule {
  rules: SchedulingRules;
  busy: BusyMeeting[];
  now: number;
}

export async function loadSchedule(
  ctx: QueryCtx,
  agency: Doc<"agencies">,
  now: number,
  /** A meeting that must not block (the call's own, when its analysis re-checks the time it booked). */
  excludeMeetingId?: Id<"meetings">,
): Promise<AgencySchedule> {
  const rules = rulesFor(agency);
  return { rules, now, busy: await loadBusyMeetings(ctx, agency._id, busyReadRange(rules, now), excludeMeetingId) };
}

export function describeSlots(schedule: AgencySchedule, slots: number[], prospectZone?: string) {
  return slots.map((ms) => ({
    iso: toZonedIso(ms, schedule.rules.timeZone),
    label: slotLabel(ms, schedule.rules.timeZone, prospectZone),
  }));
}


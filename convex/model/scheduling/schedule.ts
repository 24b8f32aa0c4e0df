import type { QueryCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { rulesFor } from "../agency";
import { busyReadRange, slotLabel, toZonedIso, type BusyMeeting, type SchedulingRules } from "./availability";


/**
 * Booked meetings that can touch the horizon, read through `by_agency_and_time`
 * over a range bounded by the horizon (not the agency's history). In a mutation
 * this read is the range that makes concurrent bookings conflict and retry.
 */
export async function loadBusyMeetings(
  ctx: QueryCtx,
  agencyId: Id<"agencies">,
  range: { start: number; end: number },
  /** A meeting being moved does not block its own new time. */
  excludeMeetingId?: Id<"meetings">,
): Promise<BusyMeeting[]> {
  const rows = await ctx.db
    .query("meetings")
    .withIndex("by_agency_and_time", (q) =>
      q.eq("agencyId", agencyId).gte("meetingTime", range.start).lt("meetingTime", range.end),
    )
    .collect();
  return rows
    .filter((m) => m.status === "booked" && m._id !== excludeMeetingId)
    .map((m) => ({ start: m.meetingTime, durationMinutes: m.durationMinutes }));
}

export interface AgencySchedule {
  rules: SchedulingRules;
  busy: BusyMeeting[];
  now: number;
}

export async function loadSchedule(ctx: QueryCtx, agency: Doc<"agencies">, now: number): Promise<AgencySchedule> {
  const rules = rulesFor(agency);
  return { rules, now, busy: await loadBusyMeetings(ctx, agency._id, busyReadRange(rules, now)) };
}

export function describeSlots(schedule: AgencySchedule, slots: number[], prospectZone?: string) {
  return slots.map((ms) => ({
    iso: toZonedIso(ms, schedule.rules.timeZone),
    label: slotLabel(ms, schedule.rules.timeZone, prospectZone),
  }));
}


import { ConvexError, v } from "convex/values";
import { internalQuery, type QueryCtx } from "./_generated/server";
import type { Doc, Id } from "./_generated/dataModel";
import { rulesFor } from "./model/agency";
import { hearingZone } from "./model/prospectZone";
import {
  busyReadRange,
  freeSlots,
  slotLabel,
  toZonedIso,
  type BusyMeeting,
  type SchedulingRules,
} from "./model/availability";

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

/** At most this many slots per listing (Convex caps arrays at 8,192; a dashboard needs far fewer). */
export const MAX_PAGE_SLOTS = 500;

/**
 * Free slots in the horizon, soonest first, at most MAX_PAGE_SLOTS of them:
 * `total` counts every free slot from `from` on, `truncated` says more follow,
 * and `nextFrom` is the `from` of the next page.
 */
export const getAvailableSlots = internalQuery({
  args: { agencyId: v.id("agencies"), opportunityId: v.optional(v.id("opportunities")), from: v.optional(v.number()) },
  returns: v.object({
    slots: v.array(v.object({ iso: v.string(), label: v.string() })),
    total: v.number(),
    truncated: v.boolean(),
    nextFrom: v.union(v.number(), v.null()),
    availabilityWindows: v.array(v.string()),
  }),
  handler: async (ctx, { agencyId, opportunityId, from }) => {
    if (from !== undefined && !Number.isFinite(from)) throw new ConvexError("from must be a time in UTC milliseconds");
    const agency = await ctx.db.get("agencies", agencyId);
    if (!agency) throw new ConvexError(`agency ${agencyId} not found`);
    const prospect = opportunityId ? await ctx.db.get("opportunities", opportunityId) : null;
    const schedule = await loadSchedule(ctx, agency, Date.now());
    const slots = freeSlots(schedule.rules, schedule.now, schedule.busy).filter((s) => from === undefined || s >= from);
    const page = slots.slice(0, MAX_PAGE_SLOTS);
    return {
      slots: describeSlots(schedule, page, prospect ? hearingZone(prospect, agency.timeZone) : undefined),
      total: slots.length,
      truncated: slots.length > page.length,
      nextFrom: slots.length > page.length ? slots[page.length] : null,
      availabilityWindows: agency.availability,
    };
  },
});

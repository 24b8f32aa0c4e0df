import { ConvexError, v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { hearingZone } from "./model/scheduling/prospectZone";
import { freeSlots } from "./model/scheduling/availability";
import { describeSlots, loadSchedule } from "./model/scheduling/schedule";

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

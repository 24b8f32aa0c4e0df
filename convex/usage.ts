import { ConvexError, v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { EMPTY_USAGE, MONTH_PATTERN } from "./model/usage";

/**
 * An agency's usage in one UTC calendar month, for billing per booking or per minute:
 * booked meetings, connected Vapi minutes (exact, and each call rounded up), Vapi's
 * cost (USD) and texts sent. One document read, whatever the volume.
 */
export const month = internalQuery({
  args: { agencyId: v.id("agencies"), month: v.string() },
  returns: v.object({
    month: v.string(),
    bookedMeetings: v.number(),
    connectedMinutes: v.number(),
    billedMinutes: v.number(),
    callCost: v.number(),
    texts: v.number(),
  }),
  handler: async (ctx, { agencyId, month }) => {
    if (!MONTH_PATTERN.test(month)) throw new ConvexError("month must be YYYY-MM");
    const row = await ctx.db
      .query("usageMonths")
      .withIndex("by_agency_and_month", (q) => q.eq("agencyId", agencyId).eq("month", month))
      .unique();
    const u = row ?? EMPTY_USAGE;
    return {
      month,
      bookedMeetings: u.bookedMeetings,
      connectedMinutes: Math.round((u.connectedSeconds / 60) * 100) / 100,
      billedMinutes: u.billedMinutes,
      callCost: u.callCostMicros / 1e6,
      texts: u.texts,
    };
  },
});

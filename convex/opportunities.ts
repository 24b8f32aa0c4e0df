import { ConvexError, v } from "convex/values";
import { internalMutation, internalQuery } from "./_generated/server";
import { callSummary, listLimit, toCallSummary } from "./calls";
import { assertTimeZone, AvailabilityError } from "./model/availability";
import { PhoneError, toE164 } from "./model/phone";
import { logEvent } from "./model/log";

export const create = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    name: v.string(),
    phone: v.string(),
    email: v.optional(v.string()),
    timeZone: v.optional(v.string()),
  },
  returns: v.id("opportunities"),
  handler: async (ctx, args) => {
    const agency = await ctx.db.get("agencies", args.agencyId);
    if (!agency) throw new ConvexError(`agency ${args.agencyId} not found`);
    let phone: string;
    try {
      phone = toE164(args.phone);
      if (args.timeZone !== undefined) assertTimeZone(args.timeZone);
    } catch (e) {
      if (e instanceof PhoneError || e instanceof AvailabilityError) throw new ConvexError(e.message);
      throw e;
    }
    if (args.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(args.email)) {
      throw new ConvexError(`invalid email "${args.email}"`);
    }
    const id = await ctx.db.insert("opportunities", {
      agencyId: args.agencyId,
      name: args.name.trim(),
      phone,
      email: args.email,
      timeZone: args.timeZone,
      status: "New",
      source: "manual",
    });
    logEvent("opportunity.created", { opportunityId: id, agencyId: args.agencyId });
    return id;
  },
});

/** An opportunity's calls, newest first: outcome, times, cost, recording. */
export const callHistory = internalQuery({
  args: { opportunityId: v.id("opportunities"), limit: v.optional(v.number()) },
  returns: v.array(callSummary),
  handler: async (ctx, { opportunityId, limit }) => {
    const calls = await ctx.db
      .query("calls")
      .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
      .order("desc")
      .take(listLimit(limit, 50, 200));
    return calls.map(toCallSummary);
  },
});

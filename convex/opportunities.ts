import { ConvexError, v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import type { Doc } from "./_generated/dataModel";
import { bookingProcess } from "./schema";
import { callSummary, toCallSummary } from "./model/calls/summary";
import { listLimit } from "./model/paging";
import { assertTimeZone, AvailabilityError } from "./model/scheduling/availability";
import { isEmailAddress } from "./model/channels/email";
import { PhoneError, toE164 } from "./model/scheduling/phone";
import { inferredZoneFields } from "./model/scheduling/prospectZone";
import { processRefusal, type BookingProcess } from "./model/processes";
import { logEvent } from "./model/log";

/** Refuses a per-opportunity process the agency cannot run (link_first without a booking link). */
function assertProcessFits(process: BookingProcess | undefined, agency: Doc<"agencies">): void {
  const refusal = process === undefined ? null : processRefusal(process, agency);
  if (refusal) throw new ConvexError(`${refusal}, and agency ${agency._id} has none`);
}

export const create = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    name: v.string(),
    phone: v.string(),
    email: v.optional(v.string()),
    timeZone: v.optional(v.string()),
    /** Overrides the agency's booking process for this prospect. */
    bookingProcess: v.optional(bookingProcess),
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
    // Named, never echoed: a prospect's number or address must not reach Convex's error logs.
    if (args.email !== undefined && !isEmailAddress(args.email)) throw new ConvexError("email is not a valid address");
    assertProcessFits(args.bookingProcess, agency);
    const id = await ctx.db.insert("opportunities", {
      agencyId: args.agencyId,
      name: args.name.trim(),
      phone,
      email: args.email,
      ...(args.timeZone !== undefined
        ? { timeZone: args.timeZone, timeZoneSource: "given" as const }
        : inferredZoneFields(phone, agency.timeZone)),
      status: "New",
      source: "manual",
      bookingProcess: args.bookingProcess,
    });
    logEvent("opportunity.created", { opportunityId: id, agencyId: args.agencyId, bookingProcess: args.bookingProcess });
    return id;
  },
});

/**
 * Staff override the agency's booking process for one prospect (null goes back
 * to the agency's). Applies to calls prepared from now on.
 */
export const setBookingProcess = internalMutation({
  args: { opportunityId: v.id("opportunities"), bookingProcess: v.union(bookingProcess, v.null()) },
  returns: v.null(),
  handler: async (ctx, { opportunityId, bookingProcess: process }) => {
    const opportunity = await ctx.db.get("opportunities", opportunityId);
    if (!opportunity) throw new ConvexError(`opportunity ${opportunityId} not found`);
    const agency = await ctx.db.get("agencies", opportunity.agencyId);
    if (!agency) throw new ConvexError(`agency ${opportunity.agencyId} not found`);
    assertProcessFits(process ?? undefined, agency);
    await ctx.db.patch("opportunities", opportunityId, { bookingProcess: process ?? undefined });
    logEvent("opportunity.booking_process", { opportunityId, bookingProcess: process });
    return null;
  },
});

/**
 * Staff correct the prospect's zone: it becomes the only zone for their times and
 * calling hours (source "given"). null reads it from the phone number again.
 * Applies to offers prepared and dials placed from now on.
 */
export const setTimeZone = internalMutation({
  args: { opportunityId: v.id("opportunities"), timeZone: v.union(v.string(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { opportunityId, timeZone }) => {
    const opportunity = await ctx.db.get("opportunities", opportunityId);
    if (!opportunity) throw new ConvexError(`opportunity ${opportunityId} not found`);
    const agency = await ctx.db.get("agencies", opportunity.agencyId);
    if (!agency) throw new ConvexError(`agency ${opportunity.agencyId} not found`);
    if (timeZone !== null) {
      try {
        assertTimeZone(timeZone);
      } catch (e) {
        if (e instanceof AvailabilityError) throw new ConvexError(e.message);
        throw e;
      }
    }
    const inferred = inferredZoneFields(opportunity.phone, agency.timeZone);
    const fields =
      timeZone === null
        ? { timeZone: inferred.timeZone, timeZoneSource: inferred.timeZoneSource, possibleTimeZones: inferred.possibleTimeZones }
        : { timeZone, timeZoneSource: "given" as const, possibleTimeZones: undefined };
    await ctx.db.patch("opportunities", opportunityId, fields);
    logEvent("opportunity.time_zone", { opportunityId, timeZoneSource: fields.timeZoneSource ?? null });
    return null;
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

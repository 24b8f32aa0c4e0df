import { ConvexError, v } from "convex/values";
import { internalMutation } from "./functions";
import { agencySettings, validatedAgency } from "./model/agencySettings";
import { logEvent } from "./model/log";

/** Staff create an agency from the dashboard. Everything is validated before anything is written. */
export const create = internalMutation({
  args: agencySettings,
  returns: v.id("agencies"),
  handler: async (ctx, args) => {
    const doc = await validatedAgency(ctx, args);
    const id = await ctx.db.insert("agencies", doc);
    logEvent("agency.created", { agencyId: id, windows: doc.availability.length });
    return id;
  },
});

const { name, timeZone, availability, ...optionalSettings } = agencySettings;

/**
 * Staff change an agency's settings: the fields given replace the stored ones and the
 * whole result passes the same validation as create, or nothing is written. A new
 * availability applies to offers made from now on; booked meetings stay as they are.
 */
export const update = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    name: v.optional(name),
    timeZone: v.optional(timeZone),
    availability: v.optional(availability),
    ...optionalSettings,
  },
  returns: v.null(),
  handler: async (ctx, { agencyId, ...changes }) => {
    const agency = await ctx.db.get("agencies", agencyId);
    if (!agency) throw new ConvexError(`agency ${agencyId} not found`);
    const { _id, _creationTime, ...current } = agency;
    const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const doc = await validatedAgency(ctx, { ...current, ...given }, agencyId);
    await ctx.db.replace("agencies", agencyId, { ...current, ...doc });
    logEvent("agency.updated", { agencyId, fields: Object.keys(given).sort().join(",") });
    return null;
  },
});

import { ConvexError, v, type Infer } from "convex/values";
import { internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { bookingProcess } from "./schema";
import { callSummary, toCallSummary } from "./model/calls/summary";
import { listLimit } from "./model/paging";
import { assertTimeZone, AvailabilityError } from "./model/scheduling/availability";
import { inferredZoneFields } from "./model/scheduling/prospectZone";
import { checkProspectFields, insertProspect, MAX_NAME_CHARS, prospectByPhone, type FieldError } from "./model/prospects";
import { IMPORT_CHUNK, MAX_IMPORT_ROWS, readImportRows } from "./model/importRows";
import { recordOptOut } from "./model/calls/attempts";
import { processRefusal, type BookingProcess } from "./model/processes";
import { logEvent } from "./model/log";

/** Staff see the first problem, named, never the value. */
function refuseFirst(errors: FieldError[]): void {
  if (errors.length > 0) throw new ConvexError(`${errors[0].field} ${errors[0].reason}`);
}

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
    const checked = checkProspectFields(args);
    // Named, never echoed: a prospect's number or address must not reach Convex's error logs.
    refuseFirst(checked.errors);
    assertProcessFits(args.bookingProcess, agency);
    return await insertProspect(
      ctx,
      agency,
      { name: args.name, phone: checked.phone!, email: args.email, timeZone: args.timeZone },
      { source: "manual", bookingProcess: args.bookingProcess },
    );
  },
});

/**
 * Staff correct a prospect: the fields given are checked as on create (the phone must be
 * valid and not another prospect's of the agency, the zone a known IANA zone). A new
 * number is read for its zones again unless staff gave the zone. Waiting dials use the
 * corrected prospect: claimDial reads it when it dials.
 */
export const update = internalMutation({
  args: {
    opportunityId: v.id("opportunities"),
    name: v.optional(v.string()),
    email: v.optional(v.string()),
    phone: v.optional(v.string()),
    timeZone: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { opportunityId, ...changes }) => {
    const opportunity = await ctx.db.get("opportunities", opportunityId);
    if (!opportunity) throw new ConvexError(`opportunity ${opportunityId} not found`);
    const agency = await ctx.db.get("agencies", opportunity.agencyId);
    if (!agency) throw new ConvexError(`agency ${opportunity.agencyId} not found`);
    const name = changes.name?.trim();
    if (name !== undefined && (name.length === 0 || name.length > MAX_NAME_CHARS)) {
      throw new ConvexError(`name must be 1 to ${MAX_NAME_CHARS} characters`);
    }
    const checked = checkProspectFields(changes);
    refuseFirst(checked.errors);
    const patch: Partial<Doc<"opportunities">> = {};
    if (name !== undefined) patch.name = name;
    if (changes.email !== undefined) patch.email = changes.email.trim();
    const phone = checked.phone;
    if (phone !== undefined && phone !== opportunity.phone) {
      const other = await prospectByPhone(ctx, agency._id, phone);
      if (other && other._id !== opportunityId) throw new ConvexError("phone already belongs to another prospect of this agency");
      patch.phone = phone;
    }
    if (changes.timeZone !== undefined) {
      Object.assign(patch, { timeZone: changes.timeZone, timeZoneSource: "given" as const, possibleTimeZones: undefined });
    } else if (patch.phone !== undefined && opportunity.timeZoneSource !== "given") {
      const inferred = inferredZoneFields(patch.phone, agency.timeZone);
      Object.assign(patch, {
        timeZone: inferred.timeZone,
        timeZoneSource: inferred.timeZoneSource,
        possibleTimeZones: inferred.possibleTimeZones,
      });
    }
    await ctx.db.patch("opportunities", opportunityId, patch);
    logEvent("opportunity.updated", { opportunityId, fields: Object.keys(patch).sort().join(",") });
    return null;
  },
});

/**
 * Staff record that the prospect asked not to be called: permanent, and every attempt
 * still waiting to dial is withdrawn (the same opt-out a call's analysis records).
 */
export const optOut = internalMutation({
  args: { opportunityId: v.id("opportunities") },
  returns: v.object({ cancelledAttempts: v.number() }),
  handler: async (ctx, { opportunityId }) => {
    if (!(await ctx.db.get("opportunities", opportunityId))) throw new ConvexError(`opportunity ${opportunityId} not found`);
    return { cancelledAttempts: await recordOptOut(ctx, opportunityId) };
  },
});

const importResult = v.object({
  created: v.number(),
  existing: v.number(),
  invalid: v.array(v.object({ row: v.number(), field: v.string(), reason: v.string() })),
});

/**
 * Staff import a list of prospects (a CRM export): each row `{ name, phone, email?,
 * timeZone?, source? }`. Idempotent by phone: a number the agency already has is counted
 * `existing`, never duplicated, so a failed import is simply run again. Invalid rows are
 * reported by their index in `rows`, the field and why, never the value. At most 8,192
 * rows per call (Convex's array limit); written in chunks of IMPORT_CHUNK rows, one
 * transaction each, so any list stays far inside the transaction limits.
 */
export const importMany = internalAction({
  args: { agencyId: v.id("agencies"), rows: v.array(v.any()) },
  returns: importResult,
  handler: async (ctx, { agencyId, rows }): Promise<Infer<typeof importResult>> => {
    if (rows.length > MAX_IMPORT_ROWS) {
      throw new ConvexError(`rows holds more than ${MAX_IMPORT_ROWS} rows: import the list in parts of at most ${MAX_IMPORT_ROWS}`);
    }
    const { valid, invalid } = readImportRows(rows);
    let created = 0;
    let existing = 0;
    // One chunk even when nothing is valid: it checks the agency.
    for (let i = 0; i === 0 || i < valid.length; i += IMPORT_CHUNK) {
      const done = await ctx.runMutation(internal.opportunities.importChunk, { agencyId, prospects: valid.slice(i, i + IMPORT_CHUNK) });
      created += done.created;
      existing += done.existing;
    }
    logEvent("opportunities.imported", { agencyId, rows: rows.length, created, existing, invalid: invalid.length });
    return { created, existing, invalid };
  },
});

/** One chunk of an import: prospects already read (phone in E.164), at most IMPORT_CHUNK. */
export const importChunk = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    prospects: v.array(
      v.object({ name: v.string(), phone: v.string(), email: v.optional(v.string()), timeZone: v.optional(v.string()), source: v.optional(v.string()) }),
    ),
  },
  returns: v.object({ created: v.number(), existing: v.number() }),
  handler: async (ctx, { agencyId, prospects }) => {
    if (prospects.length > IMPORT_CHUNK) throw new ConvexError(`prospects holds more than ${IMPORT_CHUNK} rows`);
    const agency = await ctx.db.get("agencies", agencyId);
    if (!agency) throw new ConvexError(`agency ${agencyId} not found`);
    let created = 0;
    for (const prospect of prospects) {
      if (await prospectByPhone(ctx, agencyId, prospect.phone)) continue;
      await insertProspect(ctx, agency, prospect, { source: "import" });
      created++;
    }
    return { created, existing: prospects.length - created };
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

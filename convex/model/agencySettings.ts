/**
 * An agency's settings as staff enter them: one validation for agencies.create and
 * agencies.update. Errors name the field and why, never the value typed: Convex
 * writes failed calls' errors to its logs.
 */
import { ConvexError, v, type ObjectType } from "convex/values";
import type { MutationCtx } from "../_generated/server";
import type { Id } from "../_generated/dataModel";
import { bookingProcess } from "../schema";
import { AGENCY_DEFAULTS } from "./agency";
import { assertTimeZone, AvailabilityError, MAX_MEETING_MINUTES, parseWindows } from "./scheduling/availability";
import { isEmailAddress } from "./channels/email";
import { PhoneError, toE164 } from "./scheduling/phone";
import { processRefusal } from "./processes";

/** Every setting staff may give; name, timeZone and availability are required on create. */
export const agencySettings = {
  name: v.string(),
  timeZone: v.string(),
  availability: v.array(v.string()),
  email: v.optional(v.string()),
  slotIntervalMinutes: v.optional(v.number()),
  meetingDurationMinutes: v.optional(v.number()),
  bufferMinutes: v.optional(v.number()),
  minNoticeMinutes: v.optional(v.number()),
  horizonDays: v.optional(v.number()),
  inboundPhoneNumber: v.optional(v.string()),
  maxAttempts: v.optional(v.number()),
  retryDelayMinutes: v.optional(v.number()),
  bookingProcess: v.optional(bookingProcess),
  bookingLink: v.optional(v.string()),
  qualificationQuestions: v.optional(v.array(v.string())),
  /** What one booked meeting is worth, in the agency's currency (the funnel's value and ROI). */
  meetingValue: v.optional(v.number()),
  /** Leads posted to POST /api/leads are dialled at once unless the request says callNow: false. */
  callNewLeadsAtOnce: v.optional(v.boolean()),
};
export type AgencySettings = ObjectType<typeof agencySettings>;

const MAX_MEETING_VALUE = 1_000_000_000;

function wholeMinutes(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConvexError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConvexError(`${name} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ConvexError(`${name} must be an http(s) URL`);
  return url.toString();
}

/**
 * The agency document for these settings, defaults applied, everything validated before
 * anything is written. `self` is the agency being updated (its own inbound number is not taken).
 */
export async function validatedAgency(ctx: MutationCtx, args: AgencySettings, self?: Id<"agencies">) {
  if (!args.name.trim()) throw new ConvexError("name is empty");
  try {
    assertTimeZone(args.timeZone);
    parseWindows(args.availability);
  } catch (e) {
    if (e instanceof AvailabilityError) throw new ConvexError(e.message);
    throw e;
  }
  if (args.email !== undefined && !isEmailAddress(args.email)) throw new ConvexError("email is not a valid address");
  if (args.meetingValue !== undefined && !(Number.isFinite(args.meetingValue) && args.meetingValue >= 0 && args.meetingValue <= MAX_MEETING_VALUE)) {
    throw new ConvexError(`meetingValue must be a number from 0 to ${MAX_MEETING_VALUE}`);
  }
  const d = AGENCY_DEFAULTS;
  const doc = {
    name: args.name.trim(),
    timeZone: args.timeZone,
    availability: args.availability.map((w) => w.trim()),
    email: args.email,
    slotIntervalMinutes: wholeMinutes("slotIntervalMinutes", args.slotIntervalMinutes ?? d.slotIntervalMinutes, 5, 240),
    meetingDurationMinutes: wholeMinutes("meetingDurationMinutes", args.meetingDurationMinutes ?? d.meetingDurationMinutes, 5, MAX_MEETING_MINUTES),
    bufferMinutes: wholeMinutes("bufferMinutes", args.bufferMinutes ?? d.bufferMinutes, 0, 240),
    minNoticeMinutes: wholeMinutes("minNoticeMinutes", args.minNoticeMinutes ?? d.minNoticeMinutes, 0, 14 * 24 * 60),
    horizonDays: wholeMinutes("horizonDays", args.horizonDays ?? d.horizonDays, 1, 60),
    maxAttempts: wholeMinutes("maxAttempts", args.maxAttempts ?? d.maxAttempts, 1, 10),
    retryDelayMinutes: wholeMinutes("retryDelayMinutes", args.retryDelayMinutes ?? d.retryDelayMinutes, 5, 14 * 24 * 60),
    bookingProcess: args.bookingProcess,
    bookingLink: args.bookingLink === undefined ? undefined : httpUrl("bookingLink", args.bookingLink),
    qualificationQuestions: args.qualificationQuestions?.map((q) => q.trim()).filter((q) => q.length > 0),
    inboundPhoneNumber: undefined as string | undefined,
    meetingValue: args.meetingValue,
    callNewLeadsAtOnce: args.callNewLeadsAtOnce,
  };
  const refusal = args.bookingProcess ? processRefusal(args.bookingProcess, doc) : null;
  if (refusal) throw new ConvexError(refusal);
  if (args.inboundPhoneNumber !== undefined) {
    try {
      doc.inboundPhoneNumber = toE164(args.inboundPhoneNumber, "US", "inboundPhoneNumber");
    } catch (e) {
      if (e instanceof PhoneError) throw new ConvexError(e.message);
      throw e;
    }
    const taken = await ctx.db
      .query("agencies")
      .withIndex("by_inbound_number", (q) => q.eq("inboundPhoneNumber", doc.inboundPhoneNumber))
      .take(2);
    if (taken.some((a) => a._id !== self)) throw new ConvexError("inboundPhoneNumber already belongs to another agency");
  }
  return doc;
}

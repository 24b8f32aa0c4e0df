/**
 * Answering an inbound call inside Convex: the caller found (or a new "inbound"
 * opportunity), the offer made to them, and the reply Vapi's assistant-request gets.
 * What is spoken on refusals is model/calls/inbound.ts.
 */
import { ConvexError, v, type Infer } from "convex/values";
import type { MutationCtx } from "../../_generated/server";
import type { Doc } from "../../_generated/dataModel";
import { PhoneError, toE164 } from "../scheduling/phone";
import { inferredZoneFields } from "../scheduling/prospectZone";
import { slotLabel } from "../scheduling/availability";
import { logEvent } from "../log";
import { callerDisplayName, spokenName, UNKNOWN_CALLER } from "./inbound";
import { nowLine } from "./prompt";
import { prepareOffer, prospectZone } from "./offer";

export const answered = v.object({
  status: v.literal("answered"),
  callId: v.id("calls"),
  agencyId: v.id("agencies"),
  opportunityId: v.id("opportunities"),
  agencyName: v.string(),
  /** Empty for a caller we do not know. */
  prospectName: v.string(),
  schedulingContext: v.string(),
  localNow: v.string(),
  offeredSlotsISO: v.array(v.string()),
});
export type Answered = Infer<typeof answered>;

/** The caller's number in E.164, or null when it is missing or not a phone number. */
export function e164OrNull(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    return toE164(raw);
  } catch (e) {
    if (e instanceof PhoneError) return null;
    throw e;
  }
}

/** The agency's existing opportunity for this phone (newest), else a new "inbound" one. */
export async function findOrCreateCaller(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  phone: string,
  name: string | undefined,
): Promise<{ opportunity: Doc<"opportunities">; created: boolean }> {
  const known = await ctx.db
    .query("opportunities")
    .withIndex("by_agency_and_phone", (q) => q.eq("agencyId", agency._id).eq("phone", phone))
    .order("desc")
    .first();
  if (known) return { opportunity: known, created: false };
  const id = await ctx.db.insert("opportunities", {
    agencyId: agency._id,
    name: callerDisplayName(name),
    phone,
    ...inferredZoneFields(phone, agency.timeZone),
    status: "New",
    source: "inbound",
  });
  logEvent("opportunity.created", { opportunityId: id, agencyId: agency._id, source: "inbound" });
  return { opportunity: (await ctx.db.get("opportunities", id))!, created: true };
}

/** The call's scheduling section when no time is to be offered: "now", then what Atlas should do instead. */
function offerWithoutTimes(agency: Doc<"agencies">, now: number, instructions: string[]) {
  return {
    offeredSlotsISO: [],
    promptContext: [
      `## Scheduling (written by Atlas for this call)`,
      `Now at ${agency.name}: ${nowLine(now, agency.timeZone)}.`,
      ...instructions,
    ].join("\n"),
  };
}

/**
 * The outbound offer (same slots, same prompt), with the caller unnamed when we do
 * not know them. A fully booked calendar must not leave the caller unanswered.
 */
export async function inboundOffer(ctx: MutationCtx, agency: Doc<"agencies">, opportunity: Doc<"opportunities">, now: number) {
  const named = opportunity.name === UNKNOWN_CALLER ? { ...opportunity, name: "the caller" } : opportunity;
  if (opportunity.status === "Booked" && opportunity.meetingTime !== undefined) {
    // One meeting per prospect: remind Atlas of it instead of offering times it could not book.
    return offerWithoutTimes(agency, now, [
      `${named.name} already has a meeting with ${agency.name}: ${slotLabel(opportunity.meetingTime, prospectZone(agency, opportunity))}.`,
      `Confirm it if asked. To move or cancel it, take a message: the team will confirm by email. Never book another meeting.`,
    ]);
  }
  try {
    return await prepareOffer(ctx, agency, named, now);
  } catch (e) {
    if (!(e instanceof ConvexError)) throw e;
    logEvent("inbound.no_free_slots", { agencyId: agency._id });
    return offerWithoutTimes(agency, now, [
      `There is no free meeting time in the next ${agency.horizonDays} days: take a message, say the team will call back, and never say a meeting is booked.`,
    ]);
  }
}

/** What Vapi gets back for an answered inbound call. */
export function answer(call: Doc<"calls">, promptContext: string, agency: Doc<"agencies">, opportunity: Doc<"opportunities">, now: number): Answered {
  return {
    status: "answered" as const,
    callId: call._id,
    agencyId: agency._id,
    opportunityId: opportunity._id,
    agencyName: agency.name,
    prospectName: spokenName(opportunity.name),
    schedulingContext: promptContext,
    localNow: nowLine(now, prospectZone(agency, opportunity)),
    offeredSlotsISO: call.offeredSlotsISO,
  };
}

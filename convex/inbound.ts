import { ConvexError, v } from "convex/values";
import { type MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import type { Doc } from "./_generated/dataModel";
import { nextAttemptNumber } from "./model/calls/attempts";
import { findCall } from "./model/calls/lookup";
import { offerPrompt, prepareOffer, prospectZone, saveOfferPrompt } from "./model/calls/offer";
import { callerDisplayName, spokenName, UNKNOWN_CALLER } from "./model/calls/inbound";
import { PhoneError, toE164 } from "./model/scheduling/phone";
import { inferredZoneFields } from "./model/scheduling/prospectZone";
import { nowLine } from "./model/calls/prompt";
import { slotLabel } from "./model/scheduling/availability";
import { logEvent } from "./model/log";

const answered = v.object({
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

function e164OrNull(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    return toE164(raw);
  } catch (e) {
    if (e instanceof PhoneError) return null;
    throw e;
  }
}

/**
 * Answers Vapi's assistant-request for an inbound call in one transaction: the
 * agency by the number called, the caller by phone (or a new "inbound"
 * opportunity), and a "ringing" inbound call with a fresh offer. The same Vapi
 * call id asked again gets the same call back.
 */
export const answerAssistantRequest = internalMutation({
  args: {
    vapiCallId: v.string(),
    calledNumber: v.optional(v.string()),
    callerNumber: v.optional(v.string()),
    callerName: v.optional(v.string()),
  },
  returns: v.union(answered, v.object({ status: v.literal("unknown_number") }), v.object({ status: v.literal("no_caller_id") })),
  handler: async (ctx, args) => {
    const now = Date.now();
    const existing = await findCall(ctx, { vapiCallId: args.vapiCallId });
    if (existing) {
      const agency = await ctx.db.get("agencies", existing.agencyId);
      const opportunity = await ctx.db.get("opportunities", existing.opportunityId);
      if (!agency || !opportunity) throw new ConvexError(`call ${existing._id} has lost its agency or opportunity`);
      logEvent("inbound.repeated_request", { callId: existing._id });
      return answer(existing, await offerPrompt(ctx, existing), agency, opportunity, now);
    }
    const calledNumber = e164OrNull(args.calledNumber);
    const agency = calledNumber
      ? await ctx.db
          .query("agencies")
          .withIndex("by_inbound_number", (q) => q.eq("inboundPhoneNumber", calledNumber))
          .first()
      : null;
    if (!agency) {
      logEvent("inbound.unknown_number", { vapiCallId: args.vapiCallId });
      return { status: "unknown_number" as const };
    }
    const callerNumber = e164OrNull(args.callerNumber);
    if (!callerNumber) {
      logEvent("inbound.no_caller_id", { vapiCallId: args.vapiCallId, agencyId: agency._id });
      return { status: "no_caller_id" as const };
    }
    const { opportunity, created } = await findOrCreateCaller(ctx, agency, callerNumber, args.callerName);
    const { promptContext, ...offer } = await inboundOffer(ctx, agency, opportunity, now);
    const callId = await ctx.db.insert("calls", {
      agencyId: agency._id,
      opportunityId: opportunity._id,
      direction: "inbound",
      status: "ringing",
      attempt: await nextAttemptNumber(ctx, opportunity._id, "inbound"),
      dialAt: now,
      vapiCallId: args.vapiCallId,
      ...offer,
      updatedAt: now,
    });
    await saveOfferPrompt(ctx, callId, promptContext);
    const call = (await ctx.db.get("calls", callId))!;
    logEvent("inbound.answered", {
      callId,
      agencyId: agency._id,
      opportunityId: opportunity._id,
      knownCaller: !created,
      offered: call.offeredSlotsISO.length,
    });
    return answer(call, promptContext, agency, opportunity, now);
  },
});

/** The agency's existing opportunity for this phone (newest), else a new "inbound" one. */
async function findOrCreateCaller(
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

/**
 * The outbound offer (same slots, same prompt), with the caller unnamed when we do
 * not know them. A fully booked calendar must not leave the caller unanswered.
 */
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

async function inboundOffer(ctx: MutationCtx, agency: Doc<"agencies">, opportunity: Doc<"opportunities">, now: number) {
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

function answer(call: Doc<"calls">, promptContext: string, agency: Doc<"agencies">, opportunity: Doc<"opportunities">, now: number) {
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

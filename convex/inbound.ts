import { ConvexError, v } from "convex/values";
import { internalMutation } from "./functions";
import { nextAttemptNumber } from "./model/calls/attempts";
import { findCall } from "./model/calls/lookup";
import { offerPrompt, saveOfferPrompt } from "./model/calls/offer";
import { logEvent } from "./model/log";
import { answer, answered, e164OrNull, findOrCreateCaller, inboundOffer } from "./model/calls/inboundCaller";

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


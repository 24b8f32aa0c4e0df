import { ConvexError, v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { callReportFields, callStatus, transcriptMessage } from "./schema";
import { MINUTE } from "./model/scheduling/availability";
import { nextCallingMoment } from "./model/scheduling/callingHours";
import { isConnectedOutcome, nextStatus, outcomeForEndedReason } from "./model/calls/outcomes";
import { readFunnel } from "./model/calls/funnelCounters";
import { funnelValue } from "./model/calls/funnel";
import { callbackFunnelFields, readCallbackFunnel } from "./model/callbacks/funnel";
import { readOutcomes } from "./model/meetings/outcomeCounters";
import { standingMeeting } from "./model/meetings/lifecycle";
import { logEvent } from "./model/log";
import { callingZones, offerPrompt, prepareOffer, saveOfferPrompt, STALE_OFFER_MS } from "./model/calls/offer";
import { liveCall, refusalToCall, scheduleAttempt, scheduleRetry, withdrawRetry } from "./model/calls/attempts";
import { findCall } from "./model/calls/lookup";
import { callSummaryFields, toCallSummary } from "./model/calls/summary";
import { listLimit } from "./model/paging";
import { afterInboundReport } from "./model/texts/textBack";
import { countCallerTurns } from "./model/texts/missedCall";
import { enqueueDial, holdsLine, requeueDial } from "./model/calls/dialGate";
import { grantDial } from "./model/calls/dialGrant";
import { isConcurrencyRefusal, requeueAfterRefusal } from "./model/calls/refusals";
import { campaignPausedFor } from "./model/campaigns/members";

/** A dial job may fire a moment before its time (timer rounding): that is not a dial outside calling hours. */
const DIAL_EARLY_TOLERANCE_MS = MINUTE;

/**
 * Staff start an outbound call. Dials now when it is calling hours for the
 * prospect, otherwise at their next 08:00.
 */
export const startCall = internalMutation({
  args: { opportunityId: v.id("opportunities") },
  returns: v.id("calls"),
  handler: async (ctx, { opportunityId }) => {
    const opportunity = await ctx.db.get("opportunities", opportunityId);
    if (!opportunity) throw new ConvexError(`opportunity ${opportunityId} not found`);
    const refusal = await refusalToCall(ctx, opportunity);
    if (refusal) throw new ConvexError(refusal);
    const agency = await ctx.db.get("agencies", opportunity.agencyId);
    if (!agency) throw new ConvexError(`agency ${opportunity.agencyId} not found`);
    return await scheduleAttempt(ctx, agency, opportunity, Date.now(), { pumpWith: grantDial });
  },
});

const dialPlan = v.union(
  v.null(),
  v.object({
    customerNumber: v.string(),
    customerName: v.string(),
    agencyId: v.id("agencies"),
    opportunityId: v.id("opportunities"),
    agencyName: v.string(),
    promptContext: v.string(),
    offeredSlotsISO: v.array(v.string()),
  }),
);

/**
 * Claims a scheduled call for dialling, exactly once: only a "scheduled" call
 * moves to "queued". Re-checks the prospect (booked, rejected or opted out since)
 * and refreshes a stale offer, or one prepared before the calendar's busy times were synced.
 */
export const claimDial = internalMutation({
  /** refreshOffer: the agency's busy blocks changed since the offer was prepared (calendar sync). */
  args: { callId: v.id("calls"), refreshOffer: v.optional(v.boolean()) },
  returns: dialPlan,
  handler: async (ctx, { callId, refreshOffer }) => {
    const call = await ctx.db.get("calls", callId);
    if (!call || call.status !== "scheduled") return null;
    // Every dial goes through the pacing gate: one that arrives without a line (a job from before the gate) queues for one.
    if (!(await holdsLine(ctx, callId))) {
      await enqueueDial(ctx, { kind: "call", callId }, { dueAt: Date.now() });
      return null;
    }
    const opportunity = await ctx.db.get("opportunities", call.opportunityId);
    const agency = await ctx.db.get("agencies", call.agencyId);
    if (!opportunity || !agency) return null;
    const now = Date.now();
    if (opportunity.doNotCall || opportunity.status === "Booked" || opportunity.status === "Rejected" || (await standingMeeting(ctx, opportunity._id))) {
      await ctx.db.patch("calls", callId, { status: "cancelled", updatedAt: now });
      logEvent("call.cancelled", { callId, reason: "opportunity closed before dial" });
      return null;
    }
    if (await campaignPausedFor(ctx, call)) {
      // Pause stops new dials at once; the member waits for resume (syncMemberWithCall).
      await ctx.db.patch("calls", callId, { status: "cancelled", updatedAt: now });
      logEvent("call.cancelled", { callId, reason: "campaign paused" });
      return null;
    }
    // Only an inbound call can be live beside a waiting attempt (outbound ones refuse while one is in flight):
    // the prospect reached us themselves, so this attempt is no longer wanted and must not ring them mid-call.
    const live = await liveCall(ctx, opportunity._id, callId);
    if (live) {
      await ctx.db.patch("calls", callId, { status: "cancelled", updatedAt: now });
      logEvent("call.cancelled", { callId, reason: "prospect on another call", otherCallId: live._id });
      return null;
    }
    // The zone may have been corrected since the dial was scheduled: never ring outside calling hours.
    const dueAt = nextCallingMoment(now, callingZones(agency, opportunity));
    if (dueAt - now > DIAL_EARLY_TOLERANCE_MS) {
      await requeueDial(ctx, callId, { kind: "call", callId }, dueAt);
      await ctx.db.patch("calls", callId, { dialAt: dueAt, updatedAt: now });
      logEvent("call.deferred", { callId, reason: "outside calling hours", dialAt: dueAt });
      return null;
    }
    let offer = { promptContext: await offerPrompt(ctx, call), offeredSlotsISO: call.offeredSlotsISO };
    if (refreshOffer || now - call._creationTime > STALE_OFFER_MS) {
      try {
        const { promptContext, ...fresh } = await prepareOffer(ctx, agency, opportunity, now);
        await ctx.db.patch("calls", callId, fresh);
        await saveOfferPrompt(ctx, callId, promptContext);
        offer = { promptContext, offeredSlotsISO: fresh.offeredSlotsISO };
      } catch (e) {
        await ctx.db.patch("calls", callId, {
          status: "failed",
          outcome: "failed",
          failure: { message: e instanceof ConvexError ? String(e.data) : "could not prepare the offer" },
          updatedAt: now,
        });
        return null;
      }
    }
    await ctx.db.patch("calls", callId, { status: "queued", updatedAt: now });
    return {
      customerNumber: opportunity.phone,
      customerName: opportunity.name,
      agencyId: agency._id,
      opportunityId: opportunity._id,
      agencyName: agency.name,
      // Only the validated fields: a refreshed offer carries more than the dial needs.
      promptContext: offer.promptContext,
      offeredSlotsISO: offer.offeredSlotsISO,
    };
  },
});

export const recordDialed = internalMutation({
  args: { callId: v.id("calls"), vapiCallId: v.string() },
  returns: v.null(),
  handler: async (ctx, { callId, vapiCallId }) => {
    const call = await ctx.db.get("calls", callId);
    // Refused and queued again (or dialled anew) before the create returned: this Vapi call is not the call's.
    if (!call || call.status === "scheduled" || call.refusedVapiCallId === vapiCallId || (call.vapiCallId ?? vapiCallId) !== vapiCallId) {
      logEvent("call.dialed_ignored", { callId, vapiCallId });
      return null;
    }
    await ctx.db.patch("calls", callId, { vapiCallId, updatedAt: Date.now() });
    logEvent("call.dialed", { callId, vapiCallId });
    return null;
  },
});

/**
 * Vapi refused the dial for concurrency (HTTP 429 on create, or the call ended
 * with the concurrency endedReason): the call waits at the gate again, never failed.
 */
export const requeueRefusedDial = internalMutation({
  args: { callId: v.id("calls"), refusedVapiCallId: v.optional(v.string()) },
  returns: v.boolean(),
  handler: async (ctx, { callId, refusedVapiCallId }) => {
    const call = await ctx.db.get("calls", callId);
    return call ? await requeueAfterRefusal(ctx, call, refusedVapiCallId) : false;
  },
});

/** Vapi refused the call: the call fails, the opportunity stays callable. */
export const recordDialFailure = internalMutation({
  args: { callId: v.id("calls"), statusCode: v.optional(v.number()), message: v.string() },
  returns: v.null(),
  handler: async (ctx, { callId, statusCode, message }) => {
    await ctx.db.patch("calls", callId, {
      status: "failed",
      outcome: "failed",
      failure: { statusCode, message: message.slice(0, 500) },
      updatedAt: Date.now(),
    });
    logEvent("call.dial_failed", { callId, statusCode });
    return null;
  },
});

const callRef = { vapiCallId: v.optional(v.string()), callId: v.optional(v.string()) };

export const applyStatusUpdate = internalMutation({
  args: { ...callRef, status: callStatus, endedReason: v.optional(v.string()) },
  returns: v.boolean(),
  handler: async (ctx, { vapiCallId, callId, status, endedReason }) => {
    const call = await findCall(ctx, { vapiCallId, callId });
    if (!call) return false;
    if (status === "ended" && isConcurrencyRefusal({ endedReason })) return await requeueAfterRefusal(ctx, call, vapiCallId);
    const next = nextStatus(call.status, status);
    const patch: Partial<Doc<"calls">> = { status: next, updatedAt: Date.now() };
    if (vapiCallId && !call.vapiCallId) patch.vapiCallId = vapiCallId;
    const justEnded = next === "ended" && call.status !== "ended";
    // Without a reason the outcome is left to the end-of-call report, which has one.
    if (justEnded && endedReason) {
      patch.endedReason = endedReason;
      if (!call.outcome) patch.outcome = outcomeForEndedReason(endedReason);
    }
    await ctx.db.patch("calls", call._id, patch);
    const outcome = call.outcome ?? patch.outcome;
    if (justEnded && outcome) await scheduleRetry(ctx, call, outcome);
    logEvent("call.status", { callId: call._id, status: next, outcome: patch.outcome });
    return true;
  },
});

export const reportValidator = v.object({ ...callReportFields, messages: v.array(transcriptMessage) });

/**
 * Applies an end-of-call report (from the webhook or the reconciler) exactly
 * once per call: the first stores the transcript and schedules the analysis,
 * later deliveries change nothing.
 */
export const finalizeReport = internalMutation({
  args: { ...callRef, report: reportValidator },
  returns: v.union(v.literal("applied"), v.literal("duplicate"), v.literal("unknown_call")),
  handler: async (ctx, { vapiCallId, callId, report }) => {
    const call = await findCall(ctx, { vapiCallId, callId });
    if (!call) {
      logEvent("report.unknown_call", { vapiCallId });
      return "unknown_call";
    }
    if (call.reportReceivedAt !== undefined) {
      logEvent("report.duplicate", { callId: call._id });
      return "duplicate";
    }
    if (isConcurrencyRefusal({ endedReason: report.endedReason })) {
      return (await requeueAfterRefusal(ctx, call, vapiCallId)) ? "applied" : "duplicate";
    }
    const now = Date.now();
    for (const [seq, m] of report.messages.entries()) {
      await ctx.db.insert("callMessages", { callId: call._id, seq, ...m });
    }
    // A decision already taken on this call (booked live) stands; otherwise the report's
    // own reason is the best word on how the call ended (a status-update or a failed
    // dial may have guessed "failed" before it arrived).
    const decided = call.outcome === "booked" || call.outcome === "rejected";
    const outcome =
      decided || !report.endedReason ? (call.outcome ?? outcomeForEndedReason(call.endedReason)) : outcomeForEndedReason(report.endedReason);
    await ctx.db.patch("calls", call._id, {
      status: "ended",
      vapiCallId: call.vapiCallId ?? vapiCallId,
      endedReason: report.endedReason ?? call.endedReason,
      outcome,
      startedAt: report.startedAt,
      endedAt: report.endedAt,
      durationSeconds: report.durationSeconds,
      cost: report.cost,
      recordingUrl: report.recordingUrl,
      stereoRecordingUrl: report.stereoRecordingUrl,
      messageCount: report.messages.length,
      callerTurns: countCallerTurns(report.messages),
      reportReceivedAt: now,
      analysisStatus: "scheduled",
      updatedAt: now,
    });
    if (outcome === "completed") {
      const opportunity = await ctx.db.get("opportunities", call.opportunityId);
      if (opportunity?.status === "New") await ctx.db.patch("opportunities", opportunity._id, { status: "Contacted" });
    }
    await ctx.scheduler.runAfter(0, internal.ai.processCallTranscript, { callId: call._id });
    // The report has the last word: a prospect it shows reached is not dialled again on a
    // status-update's guess; otherwise at most one retry per call, whichever message said it ended first.
    if (isConnectedOutcome(outcome)) await withdrawRetry(ctx, call);
    else await scheduleRetry(ctx, call, outcome);
    // An inbound call that never became a conversation earns the caller a text-back.
    await afterInboundReport(ctx, { ...call, vapiCallId: call.vapiCallId ?? vapiCallId }, report);
    logEvent("report.applied", { callId: call._id, messages: report.messages.length, outcome });
    return "applied";
  },
});

const TRANSCRIPT_PAGE = 500;
const MAX_TRANSCRIPT_PAGE = 1000;

/** Staff read a call's conversation page by page (by message seq), with its recordings. */
export const getTranscript = internalQuery({
  args: { callId: v.id("calls"), fromSeq: v.optional(v.number()), limit: v.optional(v.number()) },
  returns: v.object({
    messages: v.array(
      v.object({ seq: v.number(), role: v.string(), text: v.string(), secondsFromStart: v.optional(v.number()) }),
    ),
    messageCount: v.number(),
    /** Pass as fromSeq for the next page; null on the last page. */
    nextSeq: v.union(v.number(), v.null()),
    recordingUrl: v.optional(v.string()),
    stereoRecordingUrl: v.optional(v.string()),
  }),
  handler: async (ctx, { callId, fromSeq = 0, limit = TRANSCRIPT_PAGE }) => {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRANSCRIPT_PAGE) {
      throw new ConvexError(`limit must be a whole number from 1 to ${MAX_TRANSCRIPT_PAGE}`);
    }
    const call = await ctx.db.get("calls", callId);
    if (!call) throw new ConvexError(`call ${callId} not found`);
    const rows = await ctx.db
      .query("callMessages")
      .withIndex("by_call_and_seq", (q) => q.eq("callId", callId).gte("seq", fromSeq))
      .take(limit + 1);
    return {
      messages: rows
        .slice(0, limit)
        .map((m) => ({ seq: m.seq, role: m.role, text: m.text, secondsFromStart: m.secondsFromStart })),
      messageCount: call.messageCount ?? 0,
      nextSeq: rows.length > limit ? rows[limit].seq : null,
      recordingUrl: call.recordingUrl,
      stereoRecordingUrl: call.stereoRecordingUrl,
    };
  },
});

/** An agency's calls, newest first, with outcomes (reactive: the dashboard sees calls end). */
export const listForAgency = internalQuery({
  args: { agencyId: v.id("agencies"), limit: v.optional(v.number()) },
  returns: v.array(v.object({ ...callSummaryFields, opportunityName: v.string() })),
  handler: async (ctx, { agencyId, limit }) => {
    const calls = await ctx.db
      .query("calls")
      .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
      .order("desc")
      .take(listLimit(limit, 50, 200));
    const names = new Map<Id<"opportunities">, string>();
    for (const c of calls) {
      if (!names.has(c.opportunityId)) {
        names.set(c.opportunityId, (await ctx.db.get("opportunities", c.opportunityId))?.name ?? "");
      }
    }
    return calls.map((c) => ({ ...toCallSummary(c), opportunityName: names.get(c.opportunityId)! }));
  },
});

/**
 * The outbound funnel for calls dialled in [from, to): placed (reached Vapi),
 * connected, booked, rejected, not reached; booking rate and Vapi cost per
 * booked meeting; with the agency's meetingValue, the pipeline value (meetingValue x
 * booked) and ROI ((value - cost) / cost). Takes the range as arguments so the result stays cacheable.
 * With them, the meetings held in the range that completed or were missed
 * (model/meetings/outcomeCounters.ts), and the callers' messages for staff taken in the
 * range with their callbacks (model/callbacks/funnel.ts). Reads the counters (at most 14
 * small documents each), the agency and the range's messages for staff (at most 4,000),
 * never the calls or meetings, so it costs the same whatever the agency's history;
 * `truncated` is true only when the range held more messages for staff than that.
 */
export const funnel = internalQuery({
  args: { agencyId: v.id("agencies"), from: v.number(), to: v.number() },
  returns: v.object({
    placed: v.number(),
    connected: v.number(),
    booked: v.number(),
    rejected: v.number(),
    noAnswer: v.number(),
    bookingRate: v.number(),
    cost: v.number(),
    costPerBookedMeeting: v.union(v.number(), v.null()),
    pipelineValue: v.union(v.number(), v.null()),
    roi: v.union(v.number(), v.null()),
    /** Meetings whose time lies in [from, to) that were held, or missed by the prospect (counters over meeting time). */
    completed: v.number(),
    noShow: v.number(),
    /** completed / (completed + noShow), and noShow / (completed + noShow): 0 when no meeting has an outcome. */
    completionRate: v.number(),
    noShowRate: v.number(),
    /** Callers' messages for staff taken in [from, to), as callbacks.funnel counts them. */
    ...callbackFunnelFields,
    truncated: v.boolean(),
  }),
  handler: async (ctx, { agencyId, from, to }) => {
    if (!(from < to)) throw new ConvexError("range is empty: from must be before to");
    const agency = await ctx.db.get("agencies", agencyId);
    const counts = await readFunnel(ctx.db, agencyId, from, to);
    const outcomes = await readOutcomes(ctx.db, agencyId, from, to);
    const { truncated, ...callbacks } = await readCallbackFunnel(ctx.db, agencyId, from, to);
    return { ...counts, ...funnelValue(counts, agency?.meetingValue), ...outcomes, ...callbacks, truncated };
  },
});

import { ConvexError, v } from "convex/values";
import { internalMutation, type MutationCtx, type QueryCtx } from "./_generated/server";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { callStatus } from "./schema";
import { loadSchedule } from "./availability";
import { freeSlots, MINUTE, recommendSlots, toZonedIso } from "./model/availability";
import { nextCallingMoment } from "./model/callingHours";
import { buildSchedulingPrompt } from "./model/prompt";
import { ACTIVE_STATUSES, nextStatus, outcomeForEndedReason } from "./model/outcomes";
import { logEvent } from "./model/log";

/** A call prepared longer ago than this gets fresh slots when it is finally dialled. */
const STALE_OFFER_MS = 10 * MINUTE;

export function prospectZone(agency: Doc<"agencies">, opportunity: Doc<"opportunities">): string {
  return opportunity.timeZone ?? agency.timeZone;
}

/** Free slots now, the 3-4 to offer, and the prompt section that offers them. */
export async function prepareOffer(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  now: number,
) {
  const schedule = await loadSchedule(ctx, agency, now);
  const free = freeSlots(schedule.rules, now, schedule.busy);
  if (free.length === 0) {
    throw new ConvexError(`agency ${agency._id} has no free slot in the next ${agency.horizonDays} days to offer`);
  }
  const offered = recommendSlots(free, prospectZone(agency, opportunity));
  return {
    offeredSlotsISO: offered.map((s) => toZonedIso(s, agency.timeZone)),
    agencyAvailabilityWindows: agency.availability,
    futureMeetings: schedule.busy.map((m) => ({ start: m.start, end: m.start + m.durationMinutes * MINUTE })),
    promptContext: buildSchedulingPrompt({
      agencyName: agency.name,
      prospectName: opportunity.name,
      agencyZone: agency.timeZone,
      prospectZone: opportunity.timeZone,
      now,
      meetingDurationMinutes: agency.meetingDurationMinutes,
      offeredSlots: offered,
      availabilityWindows: agency.availability,
      minNoticeMinutes: agency.minNoticeMinutes,
      horizonDays: agency.horizonDays,
    }),
  };
}

/** The call that is scheduled, dialling, live, or ended but not yet analysed. */
export async function callInFlight(ctx: MutationCtx, opportunityId: Id<"opportunities">) {
  const calls = await ctx.db
    .query("calls")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
    .order("desc")
    .take(20);
  return calls.find(
    (c) => ACTIVE_STATUSES.includes(c.status) || c.analysisStatus === "scheduled" || c.analysisStatus === "retrying",
  );
}

/** Why this opportunity must not be called now, or null. */
export async function refusalToCall(ctx: MutationCtx, opportunity: Doc<"opportunities">): Promise<string | null> {
  if (opportunity.doNotCall) return `opportunity ${opportunity._id} opted out of calls`;
  if (opportunity.status === "Booked") return `opportunity ${opportunity._id} is already Booked`;
  if (opportunity.status === "Rejected") return `opportunity ${opportunity._id} is Rejected`;
  const busy = await callInFlight(ctx, opportunity._id);
  if (busy) return `opportunity ${opportunity._id} already has call ${busy._id} in flight (${busy.status})`;
  return null;
}

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
    return await scheduleAttempt(ctx, agency, opportunity, Date.now());
  },
});

/** Inserts the call and schedules its dial at the next moment inside calling hours. */
export async function scheduleAttempt(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  earliest: number,
): Promise<Id<"calls">> {
  const now = Date.now();
  const offer = await prepareOffer(ctx, agency, opportunity, now);
  const dialAt = nextCallingMoment(Math.max(now, earliest), prospectZone(agency, opportunity));
  const previous = await ctx.db
    .query("calls")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunity._id))
    .collect();
  const callId = await ctx.db.insert("calls", {
    agencyId: agency._id,
    opportunityId: opportunity._id,
    direction: "outbound",
    status: "scheduled",
    attempt: previous.filter((c) => c.direction === "outbound").length + 1,
    dialAt,
    ...offer,
    updatedAt: now,
  });
  const dialJobId = await ctx.scheduler.runAt(dialAt, internal.vapi.startPhoneCall, { callId });
  await ctx.db.patch("calls", callId, { dialJobId });
  logEvent("call.scheduled", {
    callId,
    opportunityId: opportunity._id,
    offered: offer.offeredSlotsISO.length,
    delayedForCallingHours: dialAt > now,
  });
  return callId;
}

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
 * and refreshes a stale offer.
 */
export const claimDial = internalMutation({
  args: { callId: v.id("calls") },
  returns: dialPlan,
  handler: async (ctx, { callId }) => {
    const call = await ctx.db.get("calls", callId);
    if (!call || call.status !== "scheduled") return null;
    const opportunity = await ctx.db.get("opportunities", call.opportunityId);
    const agency = await ctx.db.get("agencies", call.agencyId);
    if (!opportunity || !agency) return null;
    const now = Date.now();
    if (opportunity.doNotCall || opportunity.status === "Booked" || opportunity.status === "Rejected") {
      await ctx.db.patch("calls", callId, { status: "cancelled", updatedAt: now });
      logEvent("call.cancelled", { callId, reason: "opportunity closed before dial" });
      return null;
    }
    // A fresh offer replaces the stored one (slots, windows, meetings snapshot); only the slots and prompt travel to Vapi.
    let fresh: Awaited<ReturnType<typeof prepareOffer>> | null = null;
    if (now - call._creationTime > STALE_OFFER_MS) {
      try {
        fresh = await prepareOffer(ctx, agency, opportunity, now);
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
    await ctx.db.patch("calls", callId, { ...fresh, status: "queued", updatedAt: now });
    const offer = fresh ?? call;
    return {
      customerNumber: opportunity.phone,
      customerName: opportunity.name,
      agencyId: agency._id,
      opportunityId: opportunity._id,
      agencyName: agency.name,
      promptContext: offer.promptContext,
      offeredSlotsISO: offer.offeredSlotsISO,
    };
  },
});

export const recordDialed = internalMutation({
  args: { callId: v.id("calls"), vapiCallId: v.string() },
  returns: v.null(),
  handler: async (ctx, { callId, vapiCallId }) => {
    await ctx.db.patch("calls", callId, { vapiCallId, updatedAt: Date.now() });
    logEvent("call.dialed", { callId, vapiCallId });
    return null;
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

/** Finds our call from a webhook: by Vapi call id, else by the metadata call id. */
export async function findCall(
  ctx: MutationCtx,
  ref: { vapiCallId?: string; callId?: string },
): Promise<Doc<"calls"> | null> {
  if (ref.vapiCallId) {
    const byVapi = await ctx.db
      .query("calls")
      .withIndex("by_vapi_call_id", (q) => q.eq("vapiCallId", ref.vapiCallId))
      .unique();
    if (byVapi) return byVapi;
  }
  const id = ref.callId ? ctx.db.normalizeId("calls", ref.callId) : null;
  if (!id) return null;
  const call = await ctx.db.get("calls", id);
  // A metadata id must not hijack a call already tied to another Vapi call.
  if (call && call.vapiCallId && ref.vapiCallId && call.vapiCallId !== ref.vapiCallId) return null;
  return call;
}

const callRef = { vapiCallId: v.optional(v.string()), callId: v.optional(v.string()) };

export const applyStatusUpdate = internalMutation({
  args: { ...callRef, status: callStatus, endedReason: v.optional(v.string()) },
  returns: v.boolean(),
  handler: async (ctx, { vapiCallId, callId, status, endedReason }) => {
    const call = await findCall(ctx, { vapiCallId, callId });
    if (!call) return false;
    const next = nextStatus(call.status, status);
    const patch: Partial<Doc<"calls">> = { status: next, updatedAt: Date.now() };
    if (vapiCallId && !call.vapiCallId) patch.vapiCallId = vapiCallId;
    if (next === "ended" && call.status !== "ended") {
      patch.endedReason = endedReason;
      if (!call.outcome) patch.outcome = outcomeForEndedReason(endedReason);
    }
    await ctx.db.patch("calls", call._id, patch);
    logEvent("call.status", { callId: call._id, status: next, outcome: patch.outcome });
    return true;
  },
});

const transcriptMessage = v.object({
  role: v.union(v.literal("assistant"), v.literal("user"), v.literal("tool")),
  text: v.string(),
  secondsFromStart: v.optional(v.number()),
});

export const reportValidator = v.object({
  endedReason: v.optional(v.string()),
  startedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  durationSeconds: v.optional(v.number()),
  cost: v.optional(v.number()),
  recordingUrl: v.optional(v.string()),
  stereoRecordingUrl: v.optional(v.string()),
  messages: v.array(transcriptMessage),
});

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
    const now = Date.now();
    for (const [seq, m] of report.messages.entries()) {
      await ctx.db.insert("callMessages", { callId: call._id, seq, ...m });
    }
    const outcome = call.outcome ?? outcomeForEndedReason(report.endedReason);
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
      reportReceivedAt: now,
      analysisStatus: "scheduled",
      updatedAt: now,
    });
    if (outcome === "completed") {
      const opportunity = await ctx.db.get("opportunities", call.opportunityId);
      if (opportunity?.status === "New") await ctx.db.patch("opportunities", opportunity._id, { status: "Contacted" });
    }
    await ctx.scheduler.runAfter(0, internal.ai.processCallTranscript, { callId: call._id });
    logEvent("report.applied", { callId: call._id, messages: report.messages.length, outcome });
    return "applied";
  },
});

/** A call's messages in order (bounded by MAX_STORED_MESSAGES when stored). */
export async function loadTranscript(ctx: QueryCtx, callId: Id<"calls">) {
  return await ctx.db
    .query("callMessages")
    .withIndex("by_call_and_seq", (q) => q.eq("callId", callId))
    .collect();
}

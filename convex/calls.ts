import { ConvexError, v } from "convex/values";
import { internalQuery, type MutationCtx, type QueryCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { analysisStatus, callOutcome, callReportFields, callStatus, transcriptMessage } from "./schema";
import { loadSchedule } from "./availability";
import { freeSlots, MAX_CALL_MINUTES, MINUTE, recommendSlots, toZonedIso } from "./model/availability";
import { nextCallingMoment } from "./model/callingHours";
import { hearingZone, resolveProspectZones } from "./model/prospectZone";
import { buildSchedulingPrompt } from "./model/prompt";
import { effectiveProcess, processSpec } from "./model/processes";
import { ACTIVE_STATUSES, isConnectedOutcome, isUnreachedOutcome, nextStatus, outcomeForEndedReason, type CallOutcome } from "./model/outcomes";
import { nextAttemptAt } from "./model/callRetry";
import { readFunnel } from "./model/funnelCounters";
import { openTask } from "./model/tasks";
import { notify } from "./notifications";
import { logEvent } from "./model/log";

/** A call prepared longer ago than this gets fresh slots when it is finally dialled. */
const STALE_OFFER_MS = 10 * MINUTE;
/** A dial job may fire a moment before its time (timer rounding): that is not a dial outside calling hours. */
const DIAL_EARLY_TOLERANCE_MS = MINUTE;

/** The zone the prospect hears times in: the one given or inferred from their number, else the agency's. */
export function prospectZone(agency: Doc<"agencies">, opportunity: Doc<"opportunities">): string {
  return hearingZone(opportunity, agency.timeZone);
}

/** Every zone the prospect's phone may ring in: dials wait until it is calling hours in all of them. */
function callingZones(agency: Doc<"agencies">, opportunity: Doc<"opportunities">): string[] {
  return resolveProspectZones(opportunity, agency.timeZone).callingZones;
}

/**
 * The call's booking process, its free slots now, the 3-4 to offer (none when the
 * process offers no times, e.g. link_first) and the prompt section for it.
 */
export async function prepareOffer(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  now: number,
) {
  const bookingProcess = effectiveProcess(agency, opportunity);
  const schedule = await loadSchedule(ctx, agency, now);
  const free = freeSlots(schedule.rules, now, schedule.busy);
  const offersTimes = processSpec(bookingProcess).offersTimes;
  // Offers must survive the call: the longest call (and the wait before a prepared
  // call dials without a fresh offer) must not eat into the minimum notice.
  const earliestOffer = now + (agency.minNoticeMinutes + MAX_CALL_MINUTES) * MINUTE + STALE_OFFER_MS;
  const offerable = free.filter((s) => s >= earliestOffer);
  if (offersTimes && offerable.length === 0) {
    throw new ConvexError(`agency ${agency._id} has no free slot in the next ${agency.horizonDays} days to offer`);
  }
  const offered = offersTimes ? recommendSlots(offerable, prospectZone(agency, opportunity)) : [];
  const offeredSlots = offered.map((start, i) => ({ id: `S${i + 1}`, start }));
  return {
    bookingProcess,
    offeredSlotsISO: offered.map((s) => toZonedIso(s, agency.timeZone)),
    offeredSlots,
    promptContext: buildSchedulingPrompt({
      agencyName: agency.name,
      prospectName: opportunity.name,
      agencyZone: agency.timeZone,
      prospectZone: prospectZone(agency, opportunity),
      now,
      meetingDurationMinutes: agency.meetingDurationMinutes,
      offeredSlots,
      availabilityWindows: agency.availability,
      minNoticeMinutes: agency.minNoticeMinutes,
      horizonDays: agency.horizonDays,
      bookingProcess,
      bookingLink: agency.bookingLink,
      qualificationQuestions: agency.qualificationQuestions,
    }),
  };
}

/** A call's prompt section: its callOffers row, or the call's own field until migrations.migrateCalls moves it. */
export async function offerPrompt(ctx: QueryCtx, call: Doc<"calls">): Promise<string> {
  const row = await ctx.db
    .query("callOffers")
    .withIndex("by_call", (q) => q.eq("callId", call._id))
    .unique();
  return row?.promptContext ?? call.promptContext ?? "";
}

/** Stores (or replaces, when the offer is refreshed) the call's prompt section. */
export async function saveOfferPrompt(ctx: MutationCtx, callId: Id<"calls">, promptContext: string): Promise<void> {
  const row = await ctx.db
    .query("callOffers")
    .withIndex("by_call", (q) => q.eq("callId", callId))
    .unique();
  if (row) await ctx.db.patch("callOffers", row._id, { promptContext });
  else await ctx.db.insert("callOffers", { callId, promptContext });
}

/**
 * A call whose report may still arrive (status "ended", no report) could still book:
 * for this long it counts as in flight; afterwards the reconciler alone settles it.
 */
const REPORT_PENDING_MS = 30 * MINUTE;

/** The call that is scheduled, dialling, live, or ended but not yet analysed (other than `except`). */
export async function callInFlight(ctx: MutationCtx, opportunityId: Id<"opportunities">, except?: Id<"calls">) {
  const calls = await ctx.db
    .query("calls")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
    .order("desc")
    .take(20);
  const now = Date.now();
  return calls.find(
    (c) =>
      c._id !== except &&
      (ACTIVE_STATUSES.includes(c.status) ||
        c.analysisStatus === "scheduled" ||
        c.analysisStatus === "retrying" ||
        (c.status === "ended" && c.reportReceivedAt === undefined && now - c.updatedAt < REPORT_PENDING_MS)),
  );
}

/** A call of this opportunity (other than `except`) that is dialling or connected right now. */
async function liveCall(ctx: MutationCtx, opportunityId: Id<"opportunities">, except: Id<"calls">) {
  const calls = await ctx.db
    .query("calls")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
    .order("desc")
    .take(20);
  return calls.find((c) => c._id !== except && c.status !== "scheduled" && ACTIVE_STATUSES.includes(c.status));
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

/** Calls are numbered per direction: the nth attempt to reach them, or the nth time they called us. */
export async function nextAttemptNumber(
  ctx: MutationCtx,
  opportunityId: Id<"opportunities">,
  direction: Doc<"calls">["direction"],
): Promise<number> {
  const previous = await ctx.db
    .query("calls")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
    .collect();
  return previous.filter((c) => c.direction === direction).length + 1;
}

/** Inserts the call and schedules its dial at the next moment inside calling hours. */
export async function scheduleAttempt(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  earliest: number,
): Promise<Id<"calls">> {
  const now = Date.now();
  const { promptContext, ...offer } = await prepareOffer(ctx, agency, opportunity, now);
  const dialAt = nextCallingMoment(Math.max(now, earliest), callingZones(agency, opportunity));
  const callId = await ctx.db.insert("calls", {
    agencyId: agency._id,
    opportunityId: opportunity._id,
    direction: "outbound",
    status: "scheduled",
    attempt: await nextAttemptNumber(ctx, opportunity._id, "outbound"),
    dialAt,
    ...offer,
    updatedAt: now,
  });
  await saveOfferPrompt(ctx, callId, promptContext);
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
      const dialJobId = await ctx.scheduler.runAt(dueAt, internal.vapi.startPhoneCall, { callId });
      await ctx.db.patch("calls", callId, { dialAt: dueAt, dialJobId, updatedAt: now });
      logEvent("call.deferred", { callId, reason: "outside calling hours", dialAt: dueAt });
      return null;
    }
    let offer = { promptContext: await offerPrompt(ctx, call), offeredSlotsISO: call.offeredSlotsISO };
    if (now - call._creationTime > STALE_OFFER_MS) {
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

/**
 * After an attempt ends unanswered (no answer, busy, voicemail), schedules the
 * next one per the agency's settings; scheduleAttempt moves it into the
 * prospect's calling hours. Callers run this only on the transition to "ended",
 * and retryCallId guards it too, so a status-update and a report that both say
 * "ended" schedule at most one attempt.
 */
async function scheduleRetry(ctx: MutationCtx, call: Doc<"calls">, outcome: CallOutcome): Promise<void> {
  if (call.retryCallId || !isUnreachedOutcome(outcome)) return;
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  const agency = await ctx.db.get("agencies", call.agencyId);
  if (!opportunity || !agency) return;
  const earliest = nextAttemptAt({
    outcome,
    attempt: call.attempt,
    direction: call.direction,
    agency,
    opportunity,
    endedAt: Date.now(),
  });
  if (earliest === null) {
    logEvent("retry.none", { callId: call._id, attempt: call.attempt, outcome });
    return;
  }
  const other = await callInFlight(ctx, opportunity._id, call._id);
  if (other) {
    logEvent("retry.none", { callId: call._id, reason: "another call in flight", otherCallId: other._id });
    return;
  }
  let retryCallId: Id<"calls">;
  try {
    retryCallId = await scheduleAttempt(ctx, agency, opportunity, earliest);
  } catch (e) {
    // No free slot to offer: a person decides when to try again; the report itself must still apply.
    if (!(e instanceof ConvexError)) throw e;
    await openTask(ctx, {
      agencyId: agency._id,
      opportunityId: opportunity._id,
      callId: call._id,
      type: "call_back",
      reason: `attempt ${call.attempt} went unanswered (${outcome}) and no retry could be scheduled: ${String(e.data)}`,
    });
    return;
  }
  await ctx.db.patch("calls", call._id, { retryCallId });
  logEvent("retry.scheduled", { callId: call._id, retryCallId, attempt: call.attempt + 1, earliest });
}

/**
 * The end-of-call report shows the prospect was reached (completed, booked or
 * declined): the retry an earlier status-update scheduled for this call
 * is withdrawn. One already dialling cannot be, and stays linked.
 */
async function withdrawRetry(ctx: MutationCtx, call: Doc<"calls">): Promise<void> {
  if (!call.retryCallId) return;
  const retry = await ctx.db.get("calls", call.retryCallId);
  if (retry?.status !== "scheduled") {
    logEvent("retry.kept", { callId: call._id, retryCallId: call.retryCallId, status: retry?.status });
    return;
  }
  // A dial already running finds the call cancelled in claimDial and stops there.
  if (retry.dialJobId) await ctx.scheduler.cancel(retry.dialJobId);
  const now = Date.now();
  await ctx.db.patch("calls", retry._id, { status: "cancelled", updatedAt: now });
  await ctx.db.patch("calls", call._id, { retryCallId: undefined, updatedAt: now });
  logEvent("retry.withdrawn", { callId: call._id, retryCallId: retry._id });
}

/**
 * The prospect asked not to be called again: the opportunity is do-not-call for
 * good and every attempt still waiting to dial is withdrawn. Returns how many.
 */
export async function recordOptOut(ctx: MutationCtx, opportunityId: Id<"opportunities">): Promise<number> {
  const opportunity = await ctx.db.get("opportunities", opportunityId);
  if (!opportunity) return 0;
  const now = Date.now();
  if (!opportunity.doNotCall) {
    await ctx.db.patch("opportunities", opportunityId, { doNotCall: true, optedOutAt: now });
    await notify(ctx, {
      agencyId: opportunity.agencyId,
      opportunityId,
      event: "opted_out",
      text: `${opportunity.name} asked not to be called again; all calls to them are stopped`,
    });
  }
  const cancelled = await cancelWaitingAttempts(ctx, opportunityId);
  logEvent("opportunity.opted_out", { opportunityId, cancelledAttempts: cancelled });
  return cancelled;
}

/**
 * Withdraws every attempt of this opportunity still waiting to dial (opt-out,
 * booking). A booking must not leave them waiting: a later cancellation of the
 * meeting would reopen the opportunity and let an old retry ring the prospect.
 */
export async function cancelWaitingAttempts(ctx: MutationCtx, opportunityId: Id<"opportunities">): Promise<number> {
  const now = Date.now();
  const calls = await ctx.db
    .query("calls")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
    .collect();
  let cancelled = 0;
  for (const call of calls) {
    if (call.status !== "scheduled") continue;
    // A dial already running finds the call cancelled in claimDial and stops there.
    if (call.dialJobId) await ctx.scheduler.cancel(call.dialJobId);
    await ctx.db.patch("calls", call._id, { status: "cancelled", updatedAt: now });
    cancelled++;
  }
  return cancelled;
}

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

const callSummaryFields = {
  callId: v.id("calls"),
  opportunityId: v.id("opportunities"),
  direction: v.union(v.literal("outbound"), v.literal("inbound")),
  status: callStatus,
  outcome: v.optional(callOutcome),
  attempt: v.number(),
  createdAt: v.number(),
  dialAt: v.number(),
  startedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  durationSeconds: v.optional(v.number()),
  cost: v.optional(v.number()),
  endedReason: v.optional(v.string()),
  analysisStatus: v.optional(analysisStatus),
  meetingId: v.optional(v.id("meetings")),
  meetingTime: v.optional(v.number()),
  messageCount: v.optional(v.number()),
  recordingUrl: v.optional(v.string()),
  stereoRecordingUrl: v.optional(v.string()),
};
export const callSummary = v.object(callSummaryFields);

/** What staff see of a call in lists: outcome, times, cost, recording. No prompt, no transcript. */
export function toCallSummary(c: Doc<"calls">) {
  return {
    callId: c._id,
    opportunityId: c.opportunityId,
    direction: c.direction,
    status: c.status,
    outcome: c.outcome,
    attempt: c.attempt,
    createdAt: c._creationTime,
    dialAt: c.dialAt,
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    durationSeconds: c.durationSeconds,
    cost: c.cost,
    endedReason: c.endedReason,
    analysisStatus: c.analysisStatus,
    meetingId: c.meetingId,
    meetingTime: c.meetingTime,
    messageCount: c.messageCount,
    recordingUrl: c.recordingUrl,
    stereoRecordingUrl: c.stereoRecordingUrl,
  };
}

export function listLimit(limit: number | undefined, fallback: number, max: number): number {
  const n = limit ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConvexError(`limit must be a whole number from 1 to ${max}`);
  return n;
}

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
 * booked meeting. Takes the range as arguments so the result stays cacheable.
 * Reads the funnel's counters (at most 14 small documents), never the calls,
 * so it costs the same whatever the agency's history; `truncated` is always
 * false and kept for callers of the earlier, capped version.
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
    truncated: v.boolean(),
  }),
  handler: async (ctx, { agencyId, from, to }) => {
    if (!(from < to)) throw new ConvexError("range is empty: from must be before to");
    return { ...(await readFunnel(ctx.db, agencyId, from, to)), truncated: false };
  },
});

import { ConvexError } from "convex/values";
import type { MutationCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { MINUTE } from "../scheduling/availability";
import { nextCallingMoment } from "../scheduling/callingHours";
import { ACTIVE_STATUSES, isUnreachedOutcome, type CallOutcome } from "./outcomes";
import { nextAttemptAt } from "./callRetry";
import { openTask } from "../tasks";
import { notify } from "../notifications/notify";
import { logEvent } from "../log";
import { callingZones, prepareOffer, saveOfferPrompt } from "./offer";
import { standingMeeting } from "../meetings/lifecycle";
import { enqueueDial, type Grant } from "./dialGate";

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
export async function liveCall(ctx: MutationCtx, opportunityId: Id<"opportunities">, except: Id<"calls">) {
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
  // Whatever the opportunity's status says, a booked or held meeting settles the prospect.
  const meeting = await standingMeeting(ctx, opportunity._id);
  if (meeting) return `opportunity ${opportunity._id} has a ${meeting.status} meeting`;
  const busy = await callInFlight(ctx, opportunity._id);
  if (busy) return `opportunity ${opportunity._id} already has call ${busy._id} in flight (${busy.status})`;
  return null;
}

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

export interface AttemptOptions {
  /** Speed to lead (model/leads.ts callLeadNow): the dial jumps the pacing queue; stored as the call's speedToLead. */
  priority?: boolean;
  /** The campaign member the attempt dials for. */
  campaignMemberId?: Id<"campaignMembers">;
  /** Dial at once when due now and a line is free (model/calls/dialGate.ts enqueueDial). */
  pumpWith?: Grant;
}

/** Inserts the call, due at `dialAt`, with its offer; nothing dials it yet. */
export async function insertAttempt(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  dialAt: number,
  opts: AttemptOptions = {},
): Promise<Id<"calls">> {
  const now = Date.now();
  const { promptContext, ...offer } = await prepareOffer(ctx, agency, opportunity, now);
  const callId = await ctx.db.insert("calls", {
    agencyId: agency._id,
    opportunityId: opportunity._id,
    direction: "outbound",
    status: "scheduled",
    attempt: await nextAttemptNumber(ctx, opportunity._id, "outbound"),
    dialAt,
    ...offer,
    ...(opts.priority ? { speedToLead: true } : {}),
    campaignMemberId: opts.campaignMemberId,
    updatedAt: now,
  });
  await saveOfferPrompt(ctx, callId, promptContext);
  logEvent("call.scheduled", {
    callId,
    opportunityId: opportunity._id,
    offered: offer.offeredSlotsISO.length,
    delayedForCallingHours: dialAt > now,
  });
  return callId;
}

/** Inserts the call and queues its dial at the pacing gate from the next moment inside calling hours. */
export async function scheduleAttempt(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  earliest: number,
  opts: AttemptOptions = {},
): Promise<Id<"calls">> {
  const dialAt = nextCallingMoment(Math.max(Date.now(), earliest), callingZones(agency, opportunity));
  const callId = await insertAttempt(ctx, agency, opportunity, dialAt, opts);
  await enqueueDial(ctx, { kind: "call", callId }, { dueAt: dialAt, priority: opts.priority, pumpWith: opts.pumpWith });
  return callId;
}

/**
 * After an attempt ends unanswered (no answer, busy, voicemail), schedules the
 * next one per the agency's settings; scheduleAttempt moves it into the
 * prospect's calling hours. Callers run this only on the transition to "ended",
 * and retryCallId guards it too, so a status-update and a report that both say
 * "ended" schedule at most one attempt.
 */
export async function scheduleRetry(ctx: MutationCtx, call: Doc<"calls">, outcome: CallOutcome): Promise<void> {
  if (call.retryCallId || !isUnreachedOutcome(outcome)) return;
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  const agency = await ctx.db.get("agencies", call.agencyId);
  if (!opportunity || !agency) return;
  if (await standingMeeting(ctx, opportunity._id)) {
    logEvent("retry.none", { callId: call._id, reason: "meeting stands" });
    return;
  }
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
    retryCallId = await scheduleAttempt(ctx, agency, opportunity, earliest, { campaignMemberId: call.campaignMemberId });
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
export async function withdrawRetry(ctx: MutationCtx, call: Doc<"calls">): Promise<void> {
  if (!call.retryCallId) return;
  const retry = await ctx.db.get("calls", call.retryCallId);
  if (retry?.status !== "scheduled") {
    logEvent("retry.kept", { callId: call._id, retryCallId: call.retryCallId, status: retry?.status });
    return;
  }
  // Its wait at the pacing gate ends with the cancellation (the calls trigger); a dial already running
  // finds the call cancelled in claimDial and stops there. dialJobId: calls scheduled before the gate.
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
    // As in withdrawRetry: the cancellation ends its wait at the gate.
    if (call.dialJobId) await ctx.scheduler.cancel(call.dialJobId);
    await ctx.db.patch("calls", call._id, { status: "cancelled", updatedAt: now });
    cancelled++;
  }
  return cancelled;
}

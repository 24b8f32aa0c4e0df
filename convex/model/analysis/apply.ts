/**
 * Applying the post-call analysis inside Convex: the reply decided against the meetings
 * as they are now and acted on in one transaction (book, reject, ask a person, then the
 * booking process's follow-up), and a failed analysis recorded, retried or handed to a person.
 */
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { loadSchedule } from "../scheduling/schedule";
import { evaluateSlot, freeSlots } from "../scheduling/availability";
import { offeredSlotsOf } from "../scheduling/wallClock";
import { cancelWaitingAttempts, recordOptOut } from "../calls/attempts";
import { loadTranscript } from "../calls/lookup";
import { prospectZone } from "../calls/offer";
import { finalizeCallBooking } from "../booking/finalizeCallBooking";
import { ANALYSIS_FAILED, openTask } from "../tasks";
import { ANALYSIS_RETRY, backoffMs } from "../retryPolicy";
import { notify } from "../notifications/notify";
import type { NotificationEvent } from "../notifications/events";
import { effectiveProcess } from "../processes";
import { planPostCall } from "../processes/postCall";
import { carryOutPlan } from "../processes/carryOut";
import { takeStaffMessages } from "../callbacks/intake";
import { logEvent } from "../log";
import { ANALYSIS_VERSION, DEFAULT_MIN_CONFIDENCE, type AnalysisReply, type Decision } from "./reply";
import { decide } from "./decide";

/** A staff notification about a call's prospect: names only, never what was said. */
async function notifyAbout(ctx: MutationCtx, call: Doc<"calls">, event: NotificationEvent, what: string) {
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  await notify(ctx, {
    agencyId: call.agencyId,
    opportunityId: call.opportunityId,
    callId: call._id,
    event,
    text: `${opportunity?.name ?? "A prospect"} ${what}`,
  });
}

/** A re-run that succeeded settles the "analysis failed" task of an earlier run. */
async function closeAnalysisFailureTasks(ctx: MutationCtx, callId: Id<"calls">) {
  const tasks = await ctx.db
    .query("tasks")
    .withIndex("by_call", (q) => q.eq("callId", callId))
    .collect();
  for (const task of tasks) {
    if (task.status === "open" && task.details !== undefined && "kind" in task.details && task.details.kind === ANALYSIS_FAILED) {
      await ctx.db.patch("tasks", task._id, { status: "done" });
    }
  }
}

/**
 * A scheduled retry (attempt 2+) is only wanted while its call is still waiting
 * for it: a re-run by hand may have settled the analysis meanwhile.
 */
export function isSupersededRetry(attempt: number, status: Doc<"calls">["analysisStatus"]): boolean {
  return attempt > 1 && status !== "retrying";
}

/**
 * The agency's schedule as this call's analysis sees it. A meeting this call booked
 * live must still count as free here, or the analysis could not confirm the very
 * time the call booked: it is left out by id, as a meeting being moved is.
 */
export async function callSchedule(ctx: QueryCtx, call: Doc<"calls">, agency: Doc<"agencies">, now: number) {
  return await loadSchedule(ctx, agency, now, call.meetingId);
}

/** The reply decided against the meetings as they are now, in the transaction that acts on it. */
async function decideNow(ctx: MutationCtx, call: Doc<"calls">, reply: AnalysisReply): Promise<Decision> {
  const agency = await ctx.db.get("agencies", call.agencyId);
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (!agency || !opportunity) return { action: "review", reason: "the call has lost its agency or opportunity" };
  const now = Date.now();
  const { rules, busy } = await callSchedule(ctx, call, agency, now);
  const offeredSlots = offeredSlotsOf(call);
  const messages = await loadTranscript(ctx, call._id);
  return decide(
    reply,
    {
      zones: { agencyZone: agency.timeZone, prospectZone: prospectZone(agency, opportunity) },
      offeredSlots,
      messages: messages.map((m) => ({ role: m.role as "assistant" | "user" | "tool", text: m.text })),
      bookingProcess: effectiveProcess(agency, opportunity, call),
      check: (start) => evaluateSlot(rules, start, now, busy, { offered: offeredSlots.some((s) => s.start === start) }),
      freeSlots: () => freeSlots(rules, now, busy),
    },
    minConfidence(),
  );
}

function minConfidence(): number {
  const configured = Number(process.env.BOOKING_MIN_CONFIDENCE);
  return Number.isFinite(configured) && configured > 0 && configured <= 1 ? configured : DEFAULT_MIN_CONFIDENCE;
}

/**
 * Decides on the reply and acts on it in one transaction, against the meetings
 * as they are now: book, reject or ask a person, then the booking process's follow-up.
 */
export async function applyReply(
  ctx: MutationCtx,
  callId: Id<"calls">,
  reply: AnalysisReply,
  meta: { attempt?: number; model: string; usage: { promptTokens: number; completionTokens: number } },
): Promise<void> {
  const call = await ctx.db.get("calls", callId);
  if (!call) return;
  await closeAnalysisFailureTasks(ctx, call._id);
  let decision = await decideNow(ctx, call, reply);
  let outcomeReason = decision.reason;
  const before = await ctx.db.get("opportunities", call.opportunityId);
  if (call.meetingId && decision.action === "book" && decision.slotStart !== call.meetingTime) {
    // Booked live during the call, yet the transcript ends on another time: a person decides.
    decision = { action: "review", reason: "booked during the call, but the prospect may have changed the time" };
  } else if (call.meetingId && decision.action === "reject") {
    // A rejection must not close an opportunity whose meeting stands: a person decides.
    decision = { action: "review", reason: "booked during the call, but the prospect may have declined it" };
  } else if (before?.status === "Booked" && decision.action === "reject") {
    // Booked by an earlier call: a later "no thanks" may be about anything else; the meeting stands.
    decision = { action: "review", reason: "the prospect has a booked meeting, but may have declined it on this call" };
  } else if (call.meetingId && decision.action === "clarify") {
    // Booked live, yet other times came up: no "pick a time" email to someone who has one; a person decides.
    decision = { action: "review", reason: `booked during the call, but the prospect proposed other times: ${decision.reason}` };
  }
  const task = { agencyId: call.agencyId, opportunityId: call.opportunityId, callId: call._id };
  if (decision.action === "book" && !call.meetingId) {
    const result = await finalizeCallBooking(ctx, call._id, decision.slotIso, "ai_call");
    if (result.status === "not_booked") outcomeReason = result.reason ?? "booking refused";
  } else if (decision.action === "reject") {
    await ctx.db.patch("opportunities", call.opportunityId, { status: "Rejected" });
    // A retry waiting from an earlier status of this call must not ring someone who just said no.
    await cancelWaitingAttempts(ctx, call.opportunityId);
    await ctx.db.patch("calls", call._id, { outcome: "rejected" });
    await notifyAbout(ctx, call, "rejected", "declined a meeting");
  } else if (decision.action === "review") {
    await openTask(ctx, { ...task, type: "review", reason: decision.reason });
    // They wanted to meet but Atlas could not book it on its own: a person should follow up now.
    // Not when a meeting already stands (booked on the line or earlier): that lead has its time.
    const hasMeeting = call.meetingId !== undefined || before?.status === "Booked";
    if (reply.meetingBooked && !hasMeeting) {
      await notifyAbout(ctx, call, "positive_lead", "wants a meeting; needs a person to confirm the time");
    }
  }
  const agency = await ctx.db.get("agencies", call.agencyId);
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (agency && opportunity) {
    const process = effectiveProcess(agency, opportunity, call);
    await carryOutPlan(ctx, call, planPostCall({ process, reply, decision, opportunity, agencyZone: agency.timeZone }));
  }
  // After the decision: a prospect may accept a time and still ask not to be called again.
  if (reply.optOut === true) await recordOptOut(ctx, call.opportunityId);
  // A message for the business or a call-back request becomes a staff callback (after the opt-out: none to a number that opted out).
  await takeStaffMessages(ctx, call, reply);
  await ctx.db.patch("calls", call._id, {
    analysisStatus: "done",
    analysisAttempts: meta.attempt ?? 1,
    bookingAnalysis: {
      replyJson: JSON.stringify(reply),
      model: meta.model,
      analysisVersion: ANALYSIS_VERSION,
      usage: meta.usage,
      decision: decision.action,
      reason: outcomeReason,
      analyzedAt: Date.now(),
    },
    updatedAt: Date.now(),
  });
  logEvent("analysis.applied", { callId: call._id, decision: decision.action, confidence: reply.confidence });
}

/**
 * A model Groq does not serve fails every analysis until GROQ_MODEL changes: staff
 * hear it once per model and UTC day, however many calls fail. The ledger row is
 * written only once a notification went out, so an agency with no route for
 * `analysis_failed` does not silence the alert for the others.
 */
async function alertModelUnavailable(ctx: MutationCtx, call: Doc<"calls">, model: string, error: string) {
  const now = Date.now();
  const day = new Date(now).toISOString().slice(0, 10);
  const alerted = await ctx.db
    .query("modelAlerts")
    .withIndex("by_model_and_day", (q) => q.eq("model", model).eq("day", day))
    .first();
  if (alerted) return;
  const sent = await notify(ctx, {
    agencyId: call.agencyId,
    opportunityId: call.opportunityId,
    callId: call._id,
    event: "analysis_failed",
    text: `Groq does not serve model ${model} (${error}): calls are not being analysed. Set GROQ_MODEL to a served model, then run the failed analyses again; their transcripts are kept.`,
  });
  if (sent.queued + sent.digested === 0) return;
  await ctx.db.insert("modelAlerts", { model, day, error, callId: call._id, createdAt: now });
  logEvent("analysis.model_unavailable_alerted", { callId: call._id, day });
}

/** A failed analysis: retried with the analysis backoff while attempts remain, else a review task and staff told. */
export async function recordFailure(
  ctx: MutationCtx,
  callId: Id<"calls">,
  { attempt, error, retry, unavailableModel }: { attempt: number; error: string; retry: boolean; unavailableModel?: string },
): Promise<void> {
  const call = await ctx.db.get("calls", callId);
  if (!call) return;
  // A retry that lost the race to a re-run by hand must not undo its result.
  if (isSupersededRetry(attempt, call.analysisStatus)) {
    logEvent("analysis.retry_superseded", { callId, attempt, analysisStatus: call.analysisStatus });
    return;
  }
  if (retry) {
    // `retry` is only set while attempts remain, so the policy always has a wait here.
    const delay = backoffMs(ANALYSIS_RETRY, attempt) ?? ANALYSIS_RETRY.maxDelayMs;
    await ctx.scheduler.runAfter(delay, internal.ai.processCallTranscript, { callId, attempt: attempt + 1 });
  } else {
    await openTask(ctx, {
      agencyId: call.agencyId,
      opportunityId: call.opportunityId,
      callId,
      type: "review",
      reason: unavailableModel
        ? `analysis failed: ${error}, Groq does not serve model ${unavailableModel}; the transcript is kept, set GROQ_MODEL to a served model and run ai.processCallTranscript again`
        : `analysis failed after ${attempt} attempt(s): ${error}; the transcript is kept, run ai.processCallTranscript again`,
      details: { kind: ANALYSIS_FAILED },
    });
    if (unavailableModel) await alertModelUnavailable(ctx, call, unavailableModel, error);
    else await notifyAbout(ctx, call, "analysis_failed", "call could not be analysed; a review task is open");
  }
  await ctx.db.patch("calls", callId, {
    analysisStatus: retry ? "retrying" : "failed",
    analysisAttempts: attempt,
    bookingAnalysis: { error, analysisVersion: ANALYSIS_VERSION, failedAt: Date.now() },
    updatedAt: Date.now(),
  });
  logEvent("analysis.failed", { callId, attempt, retry, error });
}

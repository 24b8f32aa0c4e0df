/**
 * Carrying out a booking process's post-call plan (model/processes/postCall.ts decides it):
 * store what the prospect told us, open follow-up tasks, email the prospect
 * exactly once per call and message, hand their own scheduler link on.
 */
import { v } from "convex/values";
import { internalAction, internalQuery, type MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { prospectZone } from "./calls";
import { afterAttempt, claimDelivery, prospectEmail } from "./model/delivery";
import { sendEmail } from "./model/email";
import { bookingLinkEmail, freeSlotsEmail } from "./model/processes/emails";
import type { PostCallPlan } from "./model/processes/postCall";
import type { ProspectEmail, StaffEvent } from "./model/processes/spec";
import { openTask } from "./model/tasks";
import { notify } from "./notifications";
import { logEvent } from "./model/log";

/** Runs inside applyAnalysis's transaction, after the decision's own booking or rejection. */
export async function carryOutPlan(ctx: MutationCtx, call: Doc<"calls">, plan: PostCallPlan): Promise<void> {
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (!opportunity) return;
  if (Object.keys(plan.opportunityPatch).length > 0) {
    await ctx.db.patch("opportunities", opportunity._id, plan.opportunityPatch);
  }
  for (const { perOpportunity, ...task } of plan.tasks) {
    const fields = { agencyId: call.agencyId, opportunityId: call.opportunityId, callId: call._id };
    const taskId = await openTask(ctx, { ...fields, ...task }, { perOpportunity });
    const existing = await ctx.db.get("tasks", taskId);
    // An open task from an earlier call gets this call's details (e.g. a newer call-back number).
    if (existing && existing.callId !== call._id) {
      await ctx.db.patch("tasks", taskId, { reason: task.reason, details: task.details });
    }
  }
  for (const email of plan.emails) await queueProspectEmail(ctx, call, opportunity, email);
  if (plan.schedulerLink) await handOverSchedulerLink(ctx, call, plan.schedulerLink);
  await announceToStaff(ctx, call, opportunity, plan.events);
}

/** Claims the ledger key for this call and message; only the first claim schedules a send. */
async function queueProspectEmail(
  ctx: MutationCtx,
  call: Doc<"calls">,
  opportunity: Doc<"opportunities">,
  email: ProspectEmail,
): Promise<void> {
  if (!opportunity.email) return;
  const { deliveryId, claimed } = await claimDelivery(ctx, {
    key: `${email.kind}:${call._id}`,
    agencyId: call.agencyId,
    channel: "email",
    resend: { kind: "prospect_email", callId: call._id, email },
  });
  if (!claimed) {
    logEvent("email.already_claimed", { callId: call._id, kind: email.kind, deliveryId });
    return;
  }
  await ctx.scheduler.runAfter(0, internal.processes.sendProspectEmail, { deliveryId, callId: call._id, email });
}

/**
 * Process 5 (the prospect's own scheduler link) is handled by
 * internal.schedulerLinks.handleProspectLink, which is built on another branch.
 * Lead, after merging, add here:
 *   await ctx.scheduler.runAfter(0, internal.schedulerLinks.handleProspectLink,
 *     { opportunityId: call.opportunityId, callId: call._id, link: link.link, book: link.book });
 * Until then the link is stored on the opportunity (by the plan) and logged.
 */
/** The prospect's own scheduler link goes to its own action (it reads and books on a third-party site). */
async function handOverSchedulerLink(
  ctx: MutationCtx,
  call: Doc<"calls">,
  link: { link: string; book: boolean },
): Promise<void> {
  await ctx.scheduler.runAfter(0, internal.schedulerLinks.handleProspectLink, {
    opportunityId: call.opportunityId,
    callId: call._id,
    link: link.link,
    book: link.book,
  });
  logEvent("scheduler_link.handed_over", { callId: call._id, opportunityId: call.opportunityId, book: link.book });
}

const STAFF_MESSAGES: Record<StaffEvent, string> = {
  call_requested: "asked for a person to call them back; a call_back task is open",
  positive_lead: "is interested and was sent the booking link",
};

/** Staff hear about hot leads through the notification center (its own routing and dedupe). */
async function announceToStaff(
  ctx: MutationCtx,
  call: Doc<"calls">,
  opportunity: Doc<"opportunities">,
  events: StaffEvent[],
): Promise<void> {
  for (const event of events) {
    await notify(ctx, {
      agencyId: call.agencyId,
      opportunityId: call.opportunityId,
      callId: call._id,
      event,
      text: `${opportunity.name} ${STAFF_MESSAGES[event]}`,
    });
  }
}

/** The email to send for a still-pending delivery, or null (already settled, or no address). */
export const loadProspectEmail = internalQuery({
  args: { deliveryId: v.id("deliveries"), callId: v.id("calls"), email: prospectEmail },
  returns: v.union(
    v.null(),
    v.object({ to: v.string(), replyTo: v.optional(v.string()), subject: v.string(), text: v.string(), idempotencyKey: v.string() }),
  ),
  handler: async (ctx, { deliveryId, callId, email }) => {
    const delivery = await ctx.db.get("deliveries", deliveryId);
    const call = await ctx.db.get("calls", callId);
    if (!delivery || delivery.status !== "pending" || !call) return null;
    const agency = await ctx.db.get("agencies", call.agencyId);
    const opportunity = await ctx.db.get("opportunities", call.opportunityId);
    if (!agency || !opportunity?.email) return null;
    const party = {
      agencyName: agency.name,
      prospectName: opportunity.name,
      prospectZone: prospectZone(agency, opportunity),
      meetingDurationMinutes: agency.meetingDurationMinutes,
      bookingLink: agency.bookingLink,
    };
    const content = email.kind === "booking_link" ? bookingLinkEmail(party) : freeSlotsEmail(party, email.slots);
    return { to: opportunity.email, replyTo: agency.email, ...content, idempotencyKey: delivery.key };
  },
});

/** Sends one prospect email through Resend; the ledger row decides whether it is still due. */
export const sendProspectEmail = internalAction({
  args: { deliveryId: v.id("deliveries"), callId: v.id("calls"), email: prospectEmail },
  returns: v.null(),
  handler: async (ctx, args) => {
    const outgoing = await ctx.runQuery(internal.processes.loadProspectEmail, args);
    if (!outgoing) return null;
    const result = await sendEmail(outgoing);
    await ctx.runMutation(internal.processes.recordEmailAttempt, { ...args, result });
    return null;
  },
});

export const recordEmailAttempt = internalMutation({
  args: {
    deliveryId: v.id("deliveries"),
    callId: v.id("calls"),
    email: prospectEmail,
    result: v.union(
      v.object({ status: v.literal("sent"), providerMessageId: v.string() }),
      v.object({ status: v.literal("disabled"), reason: v.string() }),
      v.object({ status: v.literal("failed"), error: v.string(), retryable: v.boolean() }),
    ),
  },
  returns: v.null(),
  handler: async (ctx, { deliveryId, callId, email, result }) => {
    const delivery = await ctx.db.get("deliveries", deliveryId);
    if (!delivery || delivery.status !== "pending") return null;
    const attempts = delivery.attempts + 1;
    const { patch, retryInMs } = afterAttempt(attempts, result, Date.now());
    await ctx.db.patch("deliveries", deliveryId, patch);
    if (retryInMs !== null) {
      await ctx.scheduler.runAfter(retryInMs, internal.processes.sendProspectEmail, { deliveryId, callId, email });
    }
    logEvent("email.attempt", { deliveryId, callId, kind: email.kind, status: patch.status, attempts, retry: retryInMs !== null });
    return null;
  },
});

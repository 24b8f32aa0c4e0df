/**
 * Carrying out a booking process's post-call plan (model/processes/postCall.ts decides it):
 * store what the prospect told us, open follow-up tasks, email the prospect
 * exactly once per call and message, hand their own scheduler link on.
 */
import type { MutationCtx } from "../../_generated/server";
import { internal } from "../../_generated/api";
import type { Doc } from "../../_generated/dataModel";
import { enqueue } from "../outbox/ledger";
import { outboxKey } from "../outbox/messages";
import type { PostCallPlan } from "./postCall";
import type { ProspectEmail, StaffEvent } from "./spec";
import { openTask } from "../tasks";
import { notify } from "../notifications/notify";
import { logEvent } from "../log";

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

/** Queues the email in the outbox under its key for this call and message: a re-run queues nothing. */
async function queueProspectEmail(
  ctx: MutationCtx,
  call: Doc<"calls">,
  opportunity: Doc<"opportunities">,
  email: ProspectEmail,
): Promise<void> {
  if (!opportunity.email) return;
  const { outboxId, queued } = await enqueue(ctx, {
    key: outboxKey.prospectEmail(call._id, email),
    agencyId: call.agencyId,
    channel: "email",
    message: { kind: "prospect_email", callId: call._id, email },
  });
  if (!queued) logEvent("email.already_claimed", { callId: call._id, kind: email.kind, outboxId });
}

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

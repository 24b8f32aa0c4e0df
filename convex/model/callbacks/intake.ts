/**
 * Where callbacks come from: a caller's message for the business (the analysis's
 * `messageForStaff`) or a call-back request (the call_back task the call-me
 * process opens). Runs in the analysis's transaction, after its plan.
 */
import type { MutationCtx } from "../../_generated/server";
import type { Doc } from "../../_generated/dataModel";
import type { AnalysisReply } from "../analysis/reply";
import { takeStaffMessage } from "./flow";
import { callBackRequestText } from "./fallback";
import { UNKNOWN_CALLER } from "../calls/inbound";

/** A message longer than this is cut: it is read out on a phone call. */
export const MAX_STAFF_MESSAGE_CHARS = 1000;

export async function takeStaffMessages(ctx: MutationCtx, call: Doc<"calls">, reply: AnalysisReply): Promise<void> {
  const said = reply.messageForStaff?.trim() ?? "";
  const callBack = reply.callbackRequested === true && !reply.optOut ? await openCallBackTask(ctx, call) : null;
  if (!said && !callBack) return;
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (!opportunity) return;
  const name = opportunity.name === UNKNOWN_CALLER ? "" : opportunity.name;
  const customerPhone = callBack?.details && "callbackPhone" in callBack.details && callBack.details.numberValid
    ? callBack.details.callbackPhone
    : (opportunity.callbackPhone ?? opportunity.phone);
  const request = callBackRequestText(name, customerPhone);
  const text = said ? (callBack ? `${said} ${request}` : said) : request;
  await takeStaffMessage(ctx, {
    call,
    source: said ? "caller_message" : "call_back_request",
    text: text.slice(0, MAX_STAFF_MESSAGE_CHARS),
    urgent: reply.urgent === true,
    customerName: opportunity.name,
    customerPhone,
  });
}

/** The open call_back task the post-call plan left for this call's prospect. */
async function openCallBackTask(ctx: MutationCtx, call: Doc<"calls">) {
  const tasks = await ctx.db
    .query("tasks")
    .withIndex("by_opportunity_and_type", (q) => q.eq("opportunityId", call.opportunityId).eq("type", "call_back"))
    .take(20);
  return tasks.find((t) => t.status === "open") ?? null;
}

/**
 * Vapi's messages about staff callback calls (their metadata carries
 * `callbackAttemptId`), answered on the one webhook (convex/vapi.ts routes them
 * here). Every reply is a 200 Vapi can use; our failures are logged, never thrown at Vapi.
 */
import { z } from "zod";
import type { ActionCtx } from "../../_generated/server";
import { internal } from "../../_generated/api";
import type { Id } from "../../_generated/dataModel";
import { toolCallName } from "../calls/tools";
import { postTransfer } from "../providers/vapiControl";
import {
  endOfCallReport,
  normaliseReport,
  type reportFields,
  staffCallAnalysis,
  statusUpdate,
  toolCalls,
  transferStatuses,
  transferUpdate,
  type VapiCall,
} from "../providers/vapiMessages";
import { logEvent } from "../log";
import { CONNECTING_REPLY, TRANSFER_FAILED_ERROR } from "./connect";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** A transfer-destination-request for a call that is not a staff callback: Vapi speaks this and transfers nothing. */
export const NOT_A_CALLBACK_TRANSFER = "This call cannot be transferred.";

const CONTROL_URL_FAILED = "no live-control URL for the call";

/** Vapi's statuses, "unknown" where a transfer has none yet (Convex arrays hold no undefined). */
function statusList(statuses: (string | undefined)[]): string[] {
  return statuses.map((s) => s ?? "unknown");
}

/** The call object of a report may carry the transfers too (GET /call shape). */
const callArtifact = z.object({ artifact: z.object({ transfers: z.array(z.object({ status: z.string().optional() }).loose()).optional() }).loose().optional() }).loose();

function refOf(call: VapiCall | undefined, attemptId: string) {
  return { attemptId, vapiCallId: call?.id };
}

/** What applyStaffReport needs from a report (webhook) or from Vapi's call object (staffCalls.checkStaffCall). */
export function staffReportFields(data: z.infer<typeof reportFields>, analysis: unknown, call: unknown) {
  const report = normaliseReport(data);
  const onCall = callArtifact.safeParse(call);
  const statuses = transferStatuses(data.artifact);
  const transfers = statuses.length > 0 ? statuses : (onCall.success ? (onCall.data.artifact?.transfers ?? []) : []).map((t) => t.status);
  return {
    endedReason: report.endedReason,
    cost: report.cost,
    durationSeconds: report.durationSeconds,
    startedAt: report.startedAt,
    transferStatuses: statusList(transfers),
    staffTurns: report.messages.filter((m) => m.role === "user").length,
    declined: staffCallAnalysis.parse(analysis)?.structuredData?.declined === true,
  };
}

async function onReport(ctx: ActionCtx, message: Record<string, unknown>, attemptId: string): Promise<Response> {
  const parsed = endOfCallReport.safeParse(message);
  if (!parsed.success) return json(400, { error: "invalid end-of-call-report" });
  const result = await ctx.runMutation(internal.staffCalls.applyStaffReport, {
    ...refOf(parsed.data.call, attemptId),
    ...staffReportFields(parsed.data, message.analysis, message.call),
  });
  return json(200, { result });
}

async function onStatus(ctx: ActionCtx, message: Record<string, unknown>, attemptId: string): Promise<Response> {
  const parsed = statusUpdate.safeParse(message);
  if (!parsed.success) return json(400, { error: "invalid status-update message" });
  const { status, endedReason, call } = parsed.data;
  await ctx.runMutation(internal.staffCalls.applyStaffStatus, { ...refOf(call, attemptId), status, endedReason: endedReason ?? call?.endedReason });
  return json(200, {});
}

async function onTransferUpdate(ctx: ActionCtx, message: Record<string, unknown>, attemptId: string): Promise<Response> {
  const parsed = transferUpdate.safeParse(message);
  if (!parsed.success) return json(400, { error: "invalid transfer-update message" });
  await ctx.runMutation(internal.staffCalls.applyTransferUpdate, {
    ...refOf(parsed.data.call, attemptId),
    transferStatuses: statusList(transferStatuses(parsed.data.artifact)),
  });
  return json(200, {});
}

/**
 * Posts the claimed transfer; a refusal is recorded (connect_failed, the tool's answer) and said to the
 * staff member. No answer at all (timed out): Vapi may have transferred, so the attempt stays
 * `connecting` and the call's report (its transfer records) or checkStaffCall decides.
 */
async function carryOutTransfer(
  ctx: ActionCtx,
  transfer: { attemptId: Id<"callbackAttempts">; toolCallId: string; controlUrl?: string; number: string; callerId?: string },
): Promise<boolean> {
  const { attemptId, toolCallId, controlUrl, ...destination } = transfer;
  const posted = controlUrl ? await postTransfer({ controlUrl, ...destination }) : { ok: false, answered: true, reason: CONTROL_URL_FAILED };
  if (posted.ok) {
    logEvent("callback.transfer_posted", { attemptId });
    return true;
  }
  if (!posted.answered) {
    logEvent("callback.transfer_unconfirmed", { attemptId, reason: posted.reason });
    return true;
  }
  await ctx.runMutation(internal.staffCalls.recordTransferFailed, { attemptId, toolCallId, reason: posted.reason });
  return false;
}

async function onToolCalls(ctx: ActionCtx, message: Record<string, unknown>, attemptId: string): Promise<Response> {
  const parsed = toolCalls.safeParse(message);
  if (!parsed.success) return json(400, { error: "invalid tool-calls message" });
  const { call, toolCallList } = parsed.data;
  const requests = toolCallList.map(toolCallName).filter((r) => r !== null);
  try {
    const answer = await ctx.runMutation(internal.staffCalls.answerStaffTools, {
      ...refOf(call, attemptId),
      controlUrl: call?.monitor?.controlUrl,
      toolCalls: requests,
    });
    if (answer.transfer && !(await carryOutTransfer(ctx, answer.transfer))) {
      const failed = answer.transfer.toolCallId;
      return json(200, { results: answer.results.map((r) => (r.toolCallId === failed ? { toolCallId: failed, error: TRANSFER_FAILED_ERROR } : r)) });
    }
    return json(200, { results: answer.results });
  } catch (e) {
    logEvent("callback.tools_failed", { attemptId, error: e instanceof Error ? e.name : "unknown" });
    return json(200, { results: requests.map((r) => ({ toolCallId: r.toolCallId, error: TRANSFER_FAILED_ERROR })) });
  }
}

async function onTransferDestination(ctx: ActionCtx, message: Record<string, unknown>, attemptId: string): Promise<Response> {
  const call = (message as { call?: VapiCall }).call;
  const claim = await ctx.runMutation(internal.staffCalls.claimTransferDestination, refOf(call, attemptId));
  if (!claim.ok) return json(200, { error: claim.error });
  return json(200, {
    destination: { type: "number", number: claim.number, ...(claim.callerId ? { callerId: claim.callerId } : {}) },
    message: { type: "request-start", message: CONNECTING_REPLY },
  });
}

const handlers: Record<string, (ctx: ActionCtx, message: Record<string, unknown>, attemptId: string) => Promise<Response>> = {
  "end-of-call-report": onReport,
  "status-update": onStatus,
  "transfer-update": onTransferUpdate,
  "tool-calls": onToolCalls,
  "transfer-destination-request": onTransferDestination,
};

/** A message about a staff callback call: answered here, everything else a fast 200. */
export async function callbackWebhook(ctx: ActionCtx, message: Record<string, unknown>, attemptId: string): Promise<Response> {
  const handler = handlers[String(message.type)];
  if (!handler) return json(200, {});
  return await handler(ctx, message, attemptId);
}

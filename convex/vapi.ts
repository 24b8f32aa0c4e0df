import { v } from "convex/values";
import { VapiClient } from "@vapi-ai/server-sdk";
import { httpAction, internalAction, type ActionCtx } from "./_generated/server";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { isAuthorizedWebhook } from "./model/providers/webhookAuth";
import {
  assistantRequest,
  boundWords,
  endOfCallReport,
  envelope,
  inboundParties,
  MAX_CUSTOMER_NAME_CHARS,
  normaliseReport,
  ourCallbackAttemptId,
  ourCallId,
  statusUpdate,
  toolCalls,
} from "./model/providers/vapiMessages";
import { FAILED_TOOL_ERROR, parseToolCall, type ToolRequest } from "./model/calls/tools";
import { assistantReply, SPOKEN } from "./model/calls/inbound";
import { logEvent } from "./model/log";
import { isConcurrencyRefusal } from "./model/calls/refusals";
import { MAX_CALL_MINUTES } from "./model/scheduling/availability";
import { syncBeforeOffer } from "./model/calendar/access";
import { requiredEnv, vapiFailure } from "./model/providers/vapiErrors";
import { callbackWebhook, NOT_A_CALLBACK_TRANSFER } from "./model/callbacks/webhook";

/**
 * Places the outbound call with the saved assistant (its server URL and webhook
 * credential live there). Exactly once: claimDial lets only one run through, and
 * the SDK's automatic retries are off because a retried create can dial twice.
 */
export const startPhoneCall = internalAction({
  args: { callId: v.id("calls") },
  returns: v.null(),
  handler: async (ctx, { callId }) => {
    // Fresh busy times from the agency's calendar first, so the offer the call carries leaves them out.
    const refreshOffer = await syncBeforeOffer(ctx, callId);
    const plan = await ctx.runMutation(internal.calls.claimDial, { callId, refreshOffer });
    if (!plan) return null;
    try {
      const client = new VapiClient({ token: requiredEnv("VAPI_API_KEY") });
      const created = await client.calls.create(
        {
          assistantId: requiredEnv("VAPI_ASSISTANT_ID"),
          phoneNumberId: requiredEnv("VAPI_PHONE_NUMBER_ID"),
          // The full name still reaches the prompt through variableValues.
          customer: { number: plan.customerNumber, name: boundWords(plan.customerName, MAX_CUSTOMER_NAME_CHARS) || undefined },
          assistantOverrides: {
            // Offers are timed to outlive the longest call (model/scheduling/availability.ts): hold Vapi to it.
            maxDurationSeconds: MAX_CALL_MINUTES * 60,
            variableValues: {
              prospectName: plan.customerName,
              agencyName: plan.agencyName,
              schedulingContext: plan.promptContext,
            },
            metadata: {
              callId,
              agencyId: plan.agencyId,
              opportunityId: plan.opportunityId,
              offeredSlotsISO: plan.offeredSlotsISO,
            },
          },
        },
        { maxRetries: 0, timeoutInSeconds: 30 },
      );
      if (!("id" in created) || typeof created.id !== "string") throw new Error("Vapi reply has no call id");
      await ctx.runMutation(internal.calls.recordDialed, { callId, vapiCallId: created.id });
    } catch (e) {
      const failure = vapiFailure(e);
      // Vapi's organisation is at its concurrency limit: the dial waits for a line again, it has not failed.
      if (isConcurrencyRefusal(failure)) await ctx.runMutation(internal.calls.requeueRefusedDial, { callId });
      else await ctx.runMutation(internal.calls.recordDialFailure, { callId, ...failure });
    }
    return null;
  },
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

type Handler = (ctx: ActionCtx, message: Record<string, unknown>) => Promise<Response>;

const CALL_STATUSES = new Set<Doc<"calls">["status"]>(["scheduled", "queued", "ringing", "in-progress", "forwarding", "ended"]);

const onStatusUpdate: Handler = async (ctx, message) => {
  const parsed = statusUpdate.safeParse(message);
  if (!parsed.success) return json(400, { error: "invalid status-update message" });
  const { status, endedReason, call } = parsed.data;
  if (!CALL_STATUSES.has(status as Doc<"calls">["status"])) {
    logEvent("webhook.status_ignored", { status });
    return json(200, {});
  }
  await ctx.runMutation(internal.calls.applyStatusUpdate, {
    vapiCallId: call?.id,
    callId: ourCallId(call),
    status: status as Doc<"calls">["status"],
    endedReason: endedReason ?? call?.endedReason,
  });
  return json(200, {});
};

const onEndOfCallReport: Handler = async (ctx, message) => {
  const parsed = endOfCallReport.safeParse(message);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join(".") || "message";
    return json(400, { error: `invalid end-of-call-report at ${where}` });
  }
  const { call } = parsed.data;
  const result = await ctx.runMutation(internal.calls.finalizeReport, {
    vapiCallId: call?.id,
    callId: ourCallId(call),
    report: normaliseReport(parsed.data),
  });
  return json(200, { result });
};

/**
 * Live tools: the whole message is answered by one mutation. Always a 200 with one
 * result per tool call: Vapi ignores anything else and the caller waits in silence.
 */
const onToolCalls: Handler = async (ctx, message) => {
  const parsed = toolCalls.safeParse(message);
  if (!parsed.success) return json(400, { error: "invalid tool-calls message" });
  const { call, toolCallList } = parsed.data;
  const requests = toolCallList.map(parseToolCall).filter((r): r is ToolRequest => r !== null);
  if (requests.length < toolCallList.length) {
    logEvent("tools.unanswerable", { vapiCallId: call?.id, withoutUsableId: toolCallList.length - requests.length });
  }
  try {
    const results = await ctx.runMutation(internal.tools.handleToolCalls, {
      vapiCallId: call?.id,
      callId: ourCallId(call),
      toolCalls: requests,
    });
    return json(200, { results });
  } catch (e) {
    logEvent("tools.failed", { vapiCallId: call?.id, error: e instanceof Error ? e.name : "unknown" });
    return json(200, { results: requests.map((r) => ({ toolCallId: r.toolCallId, error: FAILED_TOOL_ERROR })) });
  }
};

/**
 * Inbound call: Vapi waits at most 7.5 s, then drops the caller. One mutation;
 * every refusal is a sentence Vapi speaks, never a silent failure.
 */
const onAssistantRequest: Handler = async (ctx, message) => {
  const parsed = assistantRequest.safeParse(message);
  const vapiCallId = parsed.success ? parsed.data.call?.id : undefined;
  const assistantId = process.env.VAPI_ASSISTANT_ID;
  if (!parsed.success || !vapiCallId || !assistantId) {
    logEvent("inbound.cannot_answer", { parsed: parsed.success, hasCallId: !!vapiCallId, hasAssistant: !!assistantId });
    if (parsed.success && vapiCallId) await noteFailedAnswer(ctx, vapiCallId, inboundParties(parsed.data));
    return json(200, { error: SPOKEN.unavailable });
  }
  const parties = inboundParties(parsed.data);
  try {
    const answer = await ctx.runMutation(internal.inbound.answerAssistantRequest, { vapiCallId, ...parties });
    if (answer.status === "unknown_number") return json(200, { error: SPOKEN.unknownNumber });
    if (answer.status === "no_caller_id") return json(200, { error: SPOKEN.noCallerId });
    return json(200, assistantReply(assistantId, answer));
  } catch (e) {
    logEvent("inbound.failed", { vapiCallId, error: e instanceof Error ? e.name : "unknown" });
    await noteFailedAnswer(ctx, vapiCallId, parties);
    return json(200, { error: SPOKEN.unavailable });
  }
};

/**
 * The caller heard our error and the call ended: they are owed a missed-call text-back
 * (an unknown number or a hidden caller id has no one to text). Never fails the reply.
 */
async function noteFailedAnswer(ctx: ActionCtx, vapiCallId: string, parties: { calledNumber?: string; callerNumber?: string }) {
  try {
    await ctx.runMutation(internal.texts.noteFailedAnswer, { vapiCallId, calledNumber: parties.calledNumber, callerNumber: parties.callerNumber });
  } catch (e) {
    logEvent("text_back.note_failed", { vapiCallId, error: e instanceof Error ? e.name : "unknown" });
  }
}

/** Message types that need work or an answer; everything else gets a fast 200. */
export const webhookHandlers: Record<string, Handler> = {
  "status-update": onStatusUpdate,
  "end-of-call-report": onEndOfCallReport,
  "tool-calls": onToolCalls,
  "assistant-request": onAssistantRequest,
  // Staff callback calls are routed before this table; no other call is ever transferred.
  "transfer-destination-request": async () => json(200, { error: NOT_A_CALLBACK_TRANSFER }),
};

/** POST /vapi/webhook: authenticate first, then parse, then dispatch by type. */
export const webhook = httpAction(async (ctx, request) => {
  if (!(await isAuthorizedWebhook(request.headers, process.env.VAPI_WEBHOOK_SECRET))) {
    logEvent("webhook.unauthorized");
    return json(401, { error: "unauthorized" });
  }
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return json(400, { error: "body is not valid JSON" });
  }
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return json(400, { error: "body has no message.type" });
  const message = parsed.data.message;
  const callbackAttemptId = ourCallbackAttemptId(message.call);
  const handler = callbackAttemptId
    ? (ctx: ActionCtx, m: Record<string, unknown>) => callbackWebhook(ctx, m, callbackAttemptId)
    : webhookHandlers[message.type];
  if (!handler) {
    logEvent("webhook.ignored", { type: message.type });
    return json(200, {});
  }
  try {
    return await handler(ctx, message);
  } catch (e) {
    // Our own failure: say so (Vapi ignores it), keep the details in the log; the reconciler catches up.
    logEvent("webhook.error", { type: message.type, vapiCallId: message.call?.id, error: e instanceof Error ? e.name : "unknown" });
    return json(500, { error: "internal error" });
  }
});

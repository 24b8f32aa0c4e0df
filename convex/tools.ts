import { v } from "convex/values";
import { internalMutation } from "./functions";
import { findCall } from "./model/calls/lookup";
import { toolRequest, UNKNOWN_CALL_ERROR } from "./model/calls/tools";
import { runTool, type Answer } from "./model/calls/toolRuns";
import { logEvent } from "./model/log";

const toolResult = v.object({ toolCallId: v.string(), result: v.optional(v.string()), error: v.optional(v.string()) });

/**
 * Answers every tool call of one Vapi `tool-calls` message in one transaction, in
 * call order. Each answer is written to the `toolCalls` ledger together with any
 * booking it made, so a replayed tool call id gets the first answer and books nothing.
 */
export const handleToolCalls = internalMutation({
  args: { vapiCallId: v.optional(v.string()), callId: v.optional(v.string()), toolCalls: v.array(toolRequest) },
  returns: v.array(toolResult),
  handler: async (ctx, { vapiCallId, callId, toolCalls }) => {
    const call = await findCall(ctx, { vapiCallId, callId });
    if (call && vapiCallId && !call.vapiCallId) await ctx.db.patch("calls", call._id, { vapiCallId });
    const results = [];
    let replayed = 0;
    for (const request of toolCalls) {
      const { toolCallId } = request;
      const previous = await ctx.db
        .query("toolCalls")
        .withIndex("by_tool_call_id_and_call", (q) => q.eq("toolCallId", toolCallId).eq("callId", call?._id))
        .first();
      if (previous) {
        replayed++;
        results.push({ toolCallId, result: previous.result, error: previous.error });
        continue;
      }
      const answer: Answer = call ? await runTool(ctx, call._id, request) : { error: UNKNOWN_CALL_ERROR };
      await ctx.db.insert("toolCalls", {
        toolCallId,
        callId: call?._id,
        name: request.tool === "invalid" ? request.name.slice(0, 60) : request.tool,
        ...answer,
      });
      results.push({ toolCallId, result: answer.result, error: answer.error });
    }
    logEvent("tools.answered", { callId: call?._id, vapiCallId, count: toolCalls.length, replayed, known: !!call });
    return results;
  },
});

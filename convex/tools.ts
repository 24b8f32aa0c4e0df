import { v } from "convex/values";
import { type MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import type { Doc, Id } from "./_generated/dataModel";
import { loadSchedule } from "./availability";
import { findCall, prospectZone } from "./calls";
import { finalizeCallBooking } from "./meetings";
import { evaluateSlot, freeSlots, parseIsoInstant } from "./model/availability";
import {
  alreadyBookedReply,
  availabilityReply,
  bookedReply,
  CLOSED_REPLY,
  MAX_ALTERNATIVES,
  nearestSlots,
  pickSlots,
  refusedReply,
  UNKNOWN_CALL_ERROR,
  type ToolRequest,
  type Zones,
} from "./model/tools";
import { logEvent } from "./model/log";

const toolRequest = v.union(
  v.object({
    toolCallId: v.string(),
    tool: v.literal("check_availability"),
    date: v.optional(v.string()),
    timeOfDay: v.optional(v.union(v.literal("morning"), v.literal("afternoon"), v.literal("evening"))),
  }),
  v.object({ toolCallId: v.string(), tool: v.literal("book_meeting"), slotIso: v.string() }),
  v.object({ toolCallId: v.string(), tool: v.literal("invalid"), name: v.string(), error: v.string() }),
);

const toolResult = v.object({ toolCallId: v.string(), result: v.optional(v.string()), error: v.optional(v.string()) });

interface Answer {
  result?: string;
  error?: string;
  meetingId?: Id<"meetings">;
}

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

async function runTool(ctx: MutationCtx, callId: Id<"calls">, request: ToolRequest): Promise<Answer> {
  if (request.tool === "invalid") return { error: request.error };
  // Read fresh: an earlier tool call in the same message may have booked.
  const call = await ctx.db.get("calls", callId);
  const agency = call && (await ctx.db.get("agencies", call.agencyId));
  const opportunity = call && (await ctx.db.get("opportunities", call.opportunityId));
  if (!call || !agency || !opportunity) return { error: UNKNOWN_CALL_ERROR };
  const zones: Zones = { agencyZone: agency.timeZone, prospectZone: prospectZone(agency, opportunity) };
  const now = Date.now();
  if (request.tool === "check_availability") {
    const schedule = await loadSchedule(ctx, agency, now);
    const free = freeSlots(schedule.rules, now, schedule.busy);
    const filter = { date: request.date, timeOfDay: request.timeOfDay };
    return { result: availabilityReply(pickSlots(free, zones.prospectZone, filter, now), filter, zones, agency.horizonDays) };
  }
  return await bookMeeting(ctx, call, agency, request.slotIso, zones, now);
}

async function bookMeeting(
  ctx: MutationCtx,
  call: Doc<"calls">,
  agency: Doc<"agencies">,
  slotIso: string,
  zones: Zones,
  now: number,
): Promise<Answer> {
  const slotStart = parseIsoInstant(slotIso);
  if (slotStart === null) return { error: `slotIso "${slotIso}" is not an ISO time with an offset` };
  if (call.meetingId && call.meetingTime !== undefined) {
    // The model asked again (another tool call id): one meeting per call.
    return { result: call.meetingTime === slotStart ? bookedReply(slotStart, zones) : alreadyBookedReply(call.meetingTime, zones) };
  }
  const schedule = await loadSchedule(ctx, agency, now);
  // The same rule bookSlot applies, checked first so a taken slot is answered with
  // alternatives on the line instead of a booking_conflict task for staff.
  const verdict = evaluateSlot(schedule.rules, slotStart, now, schedule.busy);
  if (!verdict.ok) {
    const alternatives = nearestSlots(freeSlots(schedule.rules, now, schedule.busy), slotStart, MAX_ALTERNATIVES);
    logEvent("tools.book_refused", { callId: call._id, reason: verdict.reason, alternatives: alternatives.length });
    return { result: refusedReply(slotStart, verdict.reason, alternatives, zones) };
  }
  const booking = await finalizeCallBooking(ctx, call._id, slotIso, "ai_call_live");
  if (booking.status !== "booked") return { result: CLOSED_REPLY };
  return { result: bookedReply(slotStart, zones), meetingId: booking.meetingId };
}

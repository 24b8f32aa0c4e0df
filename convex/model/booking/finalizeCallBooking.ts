import { ConvexError, v, type Infer } from "convex/values";
import type { MutationCtx } from "../../_generated/server";
import type { Id } from "../../_generated/dataModel";
import { parseIsoInstant } from "../scheduling/availability";
import { openTask } from "../tasks";
import { offeredSlotsOf } from "../scheduling/wallClock";
import { notify } from "../notifications/notify";
import { logEvent } from "../log";
import { bookSlot } from "./bookSlot";

export const finalizeResult = v.object({
  status: v.union(v.literal("booked"), v.literal("already_booked"), v.literal("not_booked")),
  meetingId: v.optional(v.id("meetings")),
  reason: v.optional(v.string()),
});
export type FinalizeResult = Infer<typeof finalizeResult>;

/** Books the slot a call agreed on. Idempotent per call: a second run returns the first meeting. */
export async function finalizeCallBooking(
  ctx: MutationCtx,
  callId: Id<"calls">,
  isoTimestamp: string,
  source: "ai_call" | "ai_call_live",
): Promise<FinalizeResult> {
  const call = await ctx.db.get("calls", callId);
  if (!call) throw new ConvexError(`call ${callId} not found`);
  const existing = await ctx.db
    .query("meetings")
    .withIndex("by_call", (q) => q.eq("callId", callId))
    .first();
  if (existing) return { status: "already_booked" as const, meetingId: existing._id };

  const slotStart = parseIsoInstant(isoTimestamp);
  if (slotStart === null) throw new ConvexError("isoTimestamp is not an ISO time with an offset");
  const agency = await ctx.db.get("agencies", call.agencyId);
  const opportunity = await ctx.db.get("opportunities", call.opportunityId);
  if (!agency || !opportunity) throw new ConvexError(`call ${callId} has lost its agency or opportunity`);

  const offered = offeredSlotsOf(call).some((s) => s.start === slotStart);
  const result = await bookSlot(ctx, { agency, opportunity, slotStart, source, callId, now: Date.now(), offered });
  if (!result.booked) {
    const reason = `cannot book ${isoTimestamp}: ${result.reason.replace(/_/g, " ")}`;
    await openTask(ctx, {
      agencyId: agency._id,
      opportunityId: opportunity._id,
      callId,
      type: "booking_conflict",
      reason,
      details: { slotIso: isoTimestamp },
    });
    await notify(ctx, {
      agencyId: agency._id,
      opportunityId: opportunity._id,
      event: "booking_conflict",
      callId,
      text: `${opportunity.name} agreed to a time Atlas could not book (${result.reason.replace(/_/g, " ")}): a task is open`,
    });
    logEvent("meeting.refused", { callId, reason: result.reason });
    return { status: "not_booked" as const, reason };
  }
  await ctx.db.patch("calls", callId, {
    outcome: "booked",
    meetingId: result.meetingId,
    meetingTime: result.meetingTime,
    updatedAt: Date.now(),
  });
  return { status: "booked" as const, meetingId: result.meetingId };
}

import { v, type Infer } from "convex/values";
import { zodToConvex } from "convex-helpers/server/zod4";
import type { MutationCtx } from "../_generated/server";
import type { Doc, Id } from "../_generated/dataModel";
import { wallTimeAnswer } from "./analysis/reply";
import { providerFailure, schedulerProvider } from "./providers/schedulerLink";
import { logEvent } from "./log";
import { bookingProvider } from "./meetings/validators";

export type TaskType = Doc<"tasks">["type"];

/** A review task for a run whose analysis failed: a successful re-run closes it. */
export const ANALYSIS_FAILED = "analysis_failed";

/** What a person needs to act on a task, one shape per kind of task (tasks.details). */
export const taskDetailShapes = {
  /** review: the analysis failed after its retries (model/analysis/apply.ts). */
  analysisFailed: v.object({ kind: v.literal(ANALYSIS_FAILED) }),
  /** review: book_meeting asked for on a call already settled (model/calls/toolRuns.ts). */
  lateBooking: v.object({
    kind: v.literal("late_book_meeting"),
    slotId: v.optional(v.string()),
    slotIso: v.optional(v.string()),
    requestedStart: v.optional(v.number()),
  }),
  /** booking_conflict: the agreed time could not be booked (model/booking/finalizeCallBooking.ts). */
  bookingConflict: v.object({ slotIso: v.string() }),
  /** booking_conflict: booked on the prospect's Cal.com but not recordable here (schedulerLinks.ts). */
  schedulerConflict: v.object({ link: v.string(), providerBookingId: v.string(), providerStatus: v.string(), slotIso: v.string() }),
  /** clarify_time: times the prospect proposed (offered ids, times as said, legacy ISO) and the nearest free ones. */
  clarifyTime: v.object({
    proposedTimes: v.array(v.union(v.string(), zodToConvex(wallTimeAnswer))),
    suggestedSlotsISO: v.array(v.string()),
  }),
  /** call_back: the number to call (as said when it is not valid). */
  callBack: v.object({ callbackPhone: v.string(), numberValid: v.boolean() }),
  /** scheduler_link: the prospect's own link and the times a person can propose on it. */
  schedulerLink: v.object({
    link: v.string(),
    provider: schedulerProvider,
    timesAre: v.union(v.literal("free on both calendars"), v.literal("agency free times")),
    freeTimes: v.array(v.object({ iso: v.string(), label: v.string() })),
    failure: v.optional(providerFailure),
  }),
  /** meeting_changed: cancelled or moved at its provider (model/meetings/lifecycle.ts). */
  meetingChanged: v.object({
    meetingId: v.id("meetings"),
    change: v.union(v.literal("cancelled"), v.literal("rescheduled")),
    provider: v.optional(bookingProvider),
  }),
};
export const taskDetails = v.union(...Object.values(taskDetailShapes));
export type TaskDetails = Infer<typeof taskDetails>;

export interface NewTask {
  agencyId: Id<"agencies">;
  opportunityId: Id<"opportunities">;
  callId?: Id<"calls">;
  type: TaskType;
  reason: string;
  details?: TaskDetails;
}

/**
 * Records follow-up work for a person. Deduplicated: an open task of the same type
 * for the same call (or, with `perOpportunity`, for the same opportunity) is reused,
 * so a webhook delivered five times leaves one task.
 */
export async function openTask(
  ctx: MutationCtx,
  task: NewTask,
  opts: { perOpportunity?: boolean } = {},
): Promise<Id<"tasks">> {
  const open = await ctx.db
    .query("tasks")
    .withIndex("by_opportunity_and_type", (q) => q.eq("opportunityId", task.opportunityId).eq("type", task.type))
    .collect();
  const same = open.find((t) => t.status === "open" && (opts.perOpportunity || t.callId === task.callId));
  if (same) return same._id;
  const id = await ctx.db.insert("tasks", { ...task, status: "open" });
  logEvent("task.opened", { taskId: id, type: task.type, opportunityId: task.opportunityId, callId: task.callId });
  return id;
}

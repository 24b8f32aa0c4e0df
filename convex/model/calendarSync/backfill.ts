/**
 * Brings an agency's existing meetings into the lifecycle, a page per
 * transaction: a history row for meetings booked before meetingEvents existed,
 * the 24-hour rule for booked meetings long over, the funnel's outcome counters
 * for meetings that already had an outcome (written once per node per page).
 * Progress lives in backfillRuns; each step is idempotent too (inHistory,
 * countedOutcome), so a page repeated after a crash changes nothing twice.
 */
import type { MutationCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { bookingSource, recordMeetingEvent } from "../meetings/events";
import { AUTO_COMPLETE_AFTER_MS, applyMeetingChange, meetingEnd } from "../meetings/lifecycle";
import { OutcomeBatch, syncOutcome } from "../meetings/outcomeCounters";
import { logEvent } from "../log";

/** Meetings per transaction: each writes at most a history row and two meeting patches; counters once per node. */
export const BACKFILL_PAGE = 100;

async function settle(ctx: MutationCtx, meeting: Doc<"meetings">, now: number, counters: OutcomeBatch) {
  if (!meeting.inHistory) {
    // Booked before meetingEvents existed: its history starts when it was written.
    await recordMeetingEvent(ctx, meeting, { kind: "booked", to: meeting.meetingTime, source: bookingSource(meeting.source) }, meeting._creationTime);
    await ctx.db.patch("meetings", meeting._id, { inHistory: true });
  }
  if (meeting.status === "booked" && now - meetingEnd(meeting) > AUTO_COMPLETE_AFTER_MS) {
    await applyMeetingChange(ctx, meeting, { kind: "completed" }, "reconcile", counters);
  } else {
    await syncOutcome(ctx.db, meeting, counters);
  }
}

export async function backfillPage(ctx: MutationCtx, agencyId: Id<"agencies">, now: number) {
  const run = await ctx.db
    .query("backfillRuns")
    .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
    .unique();
  if (run?.status === "done") return { status: "done" as const, processed: run.processed, more: false };
  const page = await ctx.db
    .query("meetings")
    .withIndex("by_agency_and_time", (q) => q.eq("agencyId", agencyId))
    .paginate({ cursor: run?.cursor ?? null, numItems: BACKFILL_PAGE });
  const counters = new OutcomeBatch();
  for (const meeting of page.page) await settle(ctx, meeting, now, counters);
  await counters.flush(ctx.db);
  const fields = {
    agencyId,
    cursor: page.continueCursor,
    processed: (run?.processed ?? 0) + page.page.length,
    status: page.isDone ? ("done" as const) : ("running" as const),
    updatedAt: now,
  };
  if (run) await ctx.db.replace("backfillRuns", run._id, fields);
  else await ctx.db.insert("backfillRuns", fields);
  logEvent("backfill.page", { agencyId, meetings: page.page.length, processed: fields.processed, done: page.isDone });
  return { status: fields.status, processed: fields.processed, more: !page.isDone };
}

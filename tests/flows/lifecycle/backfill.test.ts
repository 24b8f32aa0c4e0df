/**
 * calendarSync.backfill over an agency's history: pages of BACKFILL_PAGE meetings,
 * progress in backfillRuns; stopped midway and run again it continues, each
 * meeting processed once; a finished run is a no-op.
 */
import { expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Doc } from "../../../convex/_generated/dataModel";
import { BACKFILL_PAGE } from "../../../convex/model/calendarSync/backfill";
import { meetingFields } from "../../helpers/lifecycle";
import { rows, runScheduled, setupWorld } from "../../helpers/world";

const HOUR = 3_600_000;
const MEETINGS = 2_500;

test("2,500 meetings in pages, stopped midway and run again: each processed once, counters exact, then a no-op", { timeout: 120_000 }, async () => {
  const { t, agencyId, opportunityId } = await setupWorld();
  const now = Date.now();
  // Hourly meetings back in time (some older than the reconciler's 7 days), a few upcoming; outcomes as older rows had them.
  const statusOf = (i: number): Doc<"meetings">["status"] => (i % 10 === 0 ? "cancelled" : i % 10 === 1 ? "no_show" : i % 10 === 2 ? "completed" : "booked");
  await t.run(async (ctx) => {
    for (let i = 0; i < MEETINGS; i++) {
      await ctx.db.insert("meetings", meetingFields(agencyId, opportunityId, now - (i - 5) * HOUR, { status: statusOf(i) }));
    }
  });
  const ended = (i: number) => now - (i - 5) * HOUR + 30 * 60_000 < now - 24 * HOUR;
  let expectCompleted = 0;
  let expectNoShow = 0;
  for (let i = 0; i < MEETINGS; i++) {
    if (statusOf(i) === "no_show") expectNoShow++;
    else if (statusOf(i) === "completed" || (statusOf(i) === "booked" && ended(i))) expectCompleted++;
  }

  // Five pages, then the process stops (its scheduled continuations have not run yet).
  for (let i = 0; i < 5; i++) await t.mutation(internal.calendarSync.backfill, { agencyId });
  const [midway] = await rows(t, "backfillRuns");
  expect(midway).toMatchObject({ status: "running", processed: 5 * BACKFILL_PAGE });
  expect((await rows(t, "meetingEvents")).filter((e) => e.kind === "booked")).toHaveLength(5 * BACKFILL_PAGE);

  // Run again: the waiting continuations and a new call all take the next page from the stored cursor.
  await t.mutation(internal.calendarSync.backfill, { agencyId });
  await runScheduled(t, 1_000);
  const [done] = await rows(t, "backfillRuns");
  expect(done).toMatchObject({ status: "done", processed: MEETINGS });

  const events = await rows(t, "meetingEvents");
  const booked = events.filter((e) => e.kind === "booked");
  expect(booked).toHaveLength(MEETINGS);
  expect(new Set(booked.map((e) => e.meetingId)).size).toBe(MEETINGS);
  expect(events.filter((e) => e.kind === "completed")).toHaveLength(expectCompleted - MEETINGS / 10);
  const meetings = await rows(t, "meetings");
  expect(meetings.filter((m) => m.status === "completed")).toHaveLength(expectCompleted);
  const funnel = await t.query(internal.calls.funnel, { agencyId, from: now - 200 * 24 * HOUR, to: now + 24 * HOUR });
  expect(funnel).toMatchObject({ completed: expectCompleted, noShow: expectNoShow });

  // Finished: another call changes nothing.
  expect(await t.mutation(internal.calendarSync.backfill, { agencyId })).toEqual({ status: "done", processed: MEETINGS });
  expect((await rows(t, "meetingEvents")).length).toBe(events.length);
});

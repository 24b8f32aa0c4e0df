/**
 * Completed and no-show: staff mark them (only on meetings that ended and were not
 * cancelled), reconciliation takes a meeting over for 24 hours without a no-show
 * signal as held, the funnel counts both, and a held meeting stops all automation.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { historyOf, meetingFields, meetingOf, reconcile } from "../../helpers/lifecycle";
import { PAGE_SIZE } from "../../../convex/model/calendarSync/page";
import { AGREED, BOOKED_REPLY } from "../../helpers/conversation";
import { analysedCall, type Backend, callsOf, rows, setupWorld } from "../../helpers/world";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function seedMeeting(t: Backend, agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, meetingTime: number) {
  return await t.run(async (ctx) => {
    await ctx.db.patch("opportunities", opportunityId, { status: "Booked", meetingTime });
    return await ctx.db.insert("meetings", meetingFields(agencyId, opportunityId, meetingTime));
  });
}

const funnelOf = (t: Backend, agencyId: Id<"agencies">) => t.query(internal.calls.funnel, { agencyId, from: Date.now() - 30 * DAY, to: Date.now() + 30 * DAY });

describe("meeting outcomes", () => {
  test("a call's booking starts the meeting's history: booked, by the AI", { timeout: 60_000 }, async () => {
    const { t, meetings } = await analysedCall(AGREED, [BOOKED_REPLY]);
    expect(meetings).toHaveLength(1);
    expect((await historyOf(t, meetings[0]._id)).map((e) => [e.kind, e.source, e.to])).toEqual([["booked", "ai", meetings[0].meetingTime]]);
    expect(meetings[0].inHistory).toBe(true);
  });

  test("markOutcome: refused before the meeting ends and for a cancelled one; a correction moves the funnel's count once", { timeout: 60_000 }, async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const start = Date.now() + 2 * HOUR;
    const meetingId = await seedMeeting(t, agencyId, opportunityId, start);
    await expect(t.mutation(internal.meetings.markOutcome, { meetingId, outcome: "completed" })).rejects.toThrow(/has not ended yet/);

    vi.setSystemTime(start + 30 * 60_000);
    expect(await t.mutation(internal.meetings.markOutcome, { meetingId, outcome: "completed" })).toEqual({ meetingId, status: "completed", changed: true });
    expect(await funnelOf(t, agencyId)).toMatchObject({ completed: 1, noShow: 0, completionRate: 1, noShowRate: 0 });
    // Staff correct it: the count moves, it is not added twice.
    await t.mutation(internal.meetings.markOutcome, { meetingId, outcome: "no_show" });
    expect(await t.mutation(internal.meetings.markOutcome, { meetingId, outcome: "no_show" })).toMatchObject({ changed: false });
    expect(await funnelOf(t, agencyId)).toMatchObject({ completed: 0, noShow: 1, completionRate: 0, noShowRate: 1 });
    expect((await historyOf(t, meetingId)).map((e) => [e.kind, e.source, e.from, e.to])).toEqual([
      ["completed", "staff", "booked", "completed"],
      ["no_show", "staff", "completed", "no_show"],
    ]);
    // A no-show reopens the prospect.
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("Contacted");

    const other = await seedMeeting(t, agencyId, opportunityId, Date.now() + DAY);
    await t.mutation(internal.meetings.cancel, { meetingId: other });
    vi.setSystemTime(Date.now() + 2 * DAY);
    await expect(t.mutation(internal.meetings.markOutcome, { meetingId: other, outcome: "completed" })).rejects.toThrow(/is cancelled/);
    expect((await historyOf(t, other)).map((e) => [e.kind, e.source])).toEqual([["cancelled", "staff"]]);
  });

  test("reconciliation completes a meeting over for more than 24 hours with no no-show signal, once; not one over for less", { timeout: 60_000 }, async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const lee = await t.mutation(internal.opportunities.create, { agencyId, name: "Lee Park", phone: "+12015550188" });
    const longAgo = await seedMeeting(t, agencyId, opportunityId, Date.now() - 25 * HOUR - 30 * 60_000);
    const recent = await seedMeeting(t, agencyId, lee, Date.now() - 23 * HOUR - 30 * 60_000);

    await reconcile(t, 3);

    expect((await meetingOf(t, longAgo)).status).toBe("completed");
    expect((await historyOf(t, longAgo)).map((e) => [e.kind, e.source])).toEqual([["completed", "reconcile"]]);
    expect((await meetingOf(t, recent)).status).toBe("booked");
    expect(await funnelOf(t, agencyId)).toMatchObject({ completed: 1, noShow: 0 });
    // A held meeting keeps the prospect Booked.
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("Booked");
  });

  test("pages of PAGE_SIZE from a stored watermark: 60 meetings in scope take two runs, then the scope starts over", { timeout: 60_000 }, async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const first = Date.now() - 6 * DAY;
    await t.run(async (ctx) => {
      for (let i = 0; i < 60; i++) await ctx.db.insert("meetings", meetingFields(agencyId, opportunityId, first + i * HOUR));
    });
    const completed = async () => (await rows(t, "meetings")).filter((m) => m.status === "completed").length;
    await reconcile(t);
    expect(await completed()).toBe(PAGE_SIZE);
    const [state] = await rows(t, "calendarSyncState");
    expect(state.afterTime).toBe(first + (PAGE_SIZE - 1) * HOUR);
    await reconcile(t);
    expect(await completed()).toBe(60);
    expect((await rows(t, "calendarSyncState"))[0].afterTime).toBeUndefined();
    expect((await rows(t, "meetingEvents")).filter((e) => e.kind === "completed")).toHaveLength(60);
  });

  test("no call for a prospect whose meeting was held, whatever the opportunity's status says", { timeout: 60_000 }, async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const meetingId = await seedMeeting(t, agencyId, opportunityId, Date.now() - 2 * HOUR);
    await t.mutation(internal.meetings.markOutcome, { meetingId, outcome: "completed" });
    await t.run((ctx) => ctx.db.patch("opportunities", opportunityId, { status: "Contacted" }));
    await expect(t.mutation(internal.calls.startCall, { opportunityId })).rejects.toThrow(/has a completed meeting/);
    expect(await callsOf(t, opportunityId)).toEqual([]);
  });
});

/**
 * A meeting Atlas booked on the prospect's own Cal.com link, reconciled against
 * that booking: cancelled, rescheduled (rescheduledToUid) and no-show there are
 * applied here once, however often reconciliation runs.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { deliveredMethods, historyOf, invitesOf, meetingOf, reconcile, tasksOfType } from "../../helpers/lifecycle";
import { type Backend, rows, runScheduled, setupWorld } from "../../helpers/world";

// Mon 2026-03-09 08:00 in New York; the agency meets Tue 10:00-12:00 (EDT, -04:00).
const NOW = Date.UTC(2026, 2, 9, 12, 0);
const tue = (hour: number, minute = 0) => Date.UTC(2026, 2, 10, hour + 4, minute);
const HOUR = 3_600_000;

/** Dana's meeting booked on her Cal.com link (uid bk_1), invites sent; returns its id. */
async function bookedOnLink() {
  const w = await setupWorld({
    now: NOW,
    agency: { availability: ["Tue 10:00-12:00"], email: "hello@brightline.example" },
    prospect: { name: "Dana", phone: "(201) 555-0123", email: "dana@acme.example", timeZone: "America/Chicago" },
  });
  w.world.providers.calcomBookings.clear();
  w.world.calcomSlots = { "2026-03-10": ["2026-03-10T10:30:00.000-04:00"] };
  const result = await w.t.action(internal.schedulerLinks.handleProspectLink, { opportunityId: w.opportunityId, link: "https://cal.com/dana/intro", book: true });
  await runScheduled(w.t);
  expect(result).toMatchObject({ outcome: "booked", providerBookingId: "bk_1" });
  return { ...w, meetingId: result.meetingId as Id<"meetings">, booking: w.world.providers.calcomBookings.get("bk_1")! };
}

async function opportunity(t: Backend, id: Id<"opportunities">) {
  return (await t.run((ctx) => ctx.db.get("opportunities", id)))!;
}

describe("a meeting booked on the prospect's Cal.com link", () => {
  test("cancelled at Cal.com: cancelled once across three runs (one CANCEL each, one task, one history row), opportunity reopened", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId, meetingId, booking } = await bookedOnLink();
    expect((await meetingOf(t, meetingId)).bookingProvider).toBe("calcom");
    const sentBefore = world.deliveredEmails.length;

    booking.status = "cancelled";
    await reconcile(t, 3);

    const meeting = await meetingOf(t, meetingId);
    expect(meeting).toMatchObject({ status: "cancelled", sequence: 1 });
    // Read without a key, on the link's host, with the bookings API version; once cancelled, not asked again.
    const reads = world.to(/^https:\/\/api\.cal\.com\/v2\/bookings\/bk_1$/);
    expect(reads).toHaveLength(1);
    expect(reads[0].headers.authorization).toBeUndefined();
    expect(reads[0].headers["cal-api-version"]).toBe("2024-08-13");

    const history = await historyOf(t, meetingId);
    expect(history.map((e) => [e.kind, e.source])).toEqual([
      ["booked", "ai"],
      ["mismatch", "reconcile"],
      ["cancelled", "provider"],
    ]);
    expect(history[2]).toMatchObject({ from: "booked", to: "cancelled" });

    const cancels = (await invitesOf(t, meetingId)).filter((i) => i.sequence === 1);
    expect(cancels.map((i) => i.recipient).sort()).toEqual(["agency", "prospect"]);
    expect(deliveredMethods(world.deliveredEmails.slice(sentBefore))).toEqual(["METHOD:CANCEL", "METHOD:CANCEL"]);

    const tasks = await tasksOfType(t, opportunityId, "meeting_changed");
    expect(tasks).toHaveLength(1);
    expect(tasks[0].details).toEqual({ meetingId, change: "cancelled", provider: "calcom" });
    expect(await opportunity(t, opportunityId)).toMatchObject({ status: "Contacted" });
    expect((await opportunity(t, opportunityId)).meetingTime).toBeUndefined();

    const mismatches = await rows(t, "meetingMismatches");
    expect(mismatches.map((m) => [m.kind, m.resolved])).toEqual([["cancelled_at_provider_still_booked", true]]);
  });

  test("rescheduled at Cal.com (rescheduledToUid): moved to the new booking's time with a new SEQUENCE, once", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId, meetingId, booking } = await bookedOnLink();
    world.providers.calcomBookings.set("bk_2", { uid: "bk_2", start: new Date(tue(11)).toISOString(), attendeeEmail: booking.attendeeEmail });
    booking.status = "cancelled";
    booking.rescheduledToUid = "bk_2";

    await reconcile(t, 2);

    expect(await meetingOf(t, meetingId)).toMatchObject({ status: "booked", meetingTime: tue(11), sequence: 1, providerBookingId: "bk_2" });
    expect((await opportunity(t, opportunityId)).meetingTime).toBe(tue(11));
    const moved = (await historyOf(t, meetingId)).filter((e) => e.kind === "rescheduled");
    expect(moved).toEqual([expect.objectContaining({ from: tue(10, 30), to: tue(11), source: "provider" })]);
    expect((await invitesOf(t, meetingId)).filter((i) => i.sequence === 1)).toHaveLength(2);
    expect(deliveredMethods(world.deliveredEmails).filter((m) => m === "METHOD:REQUEST")).toHaveLength(4);
    expect(await tasksOfType(t, opportunityId, "meeting_changed")).toHaveLength(1);
    // The next run reads the new booking, which agrees: nothing more.
    await reconcile(t);
    expect(world.to(/\/v2\/bookings\/bk_2$/).length).toBeGreaterThan(1);
    expect((await historyOf(t, meetingId)).filter((e) => e.kind === "rescheduled")).toHaveLength(1);
  });

  test("staff cannot move it in Atlas (Cal.com would move it back): refused naming why, nothing written, reconciliation changes nothing", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId, meetingId } = await bookedOnLink();
    const sentBefore = world.deliveredEmails.length;
    await expect(t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: "2026-03-10T11:00:00-04:00" })).rejects.toThrow(
      /the booking lives at Cal\.com: move it there; reconciliation brings the new time/,
    );
    await runScheduled(t);
    await reconcile(t, 2);
    expect(await meetingOf(t, meetingId)).toMatchObject({ status: "booked", meetingTime: tue(10, 30), sequence: 0 });
    expect((await historyOf(t, meetingId)).map((e) => e.kind)).toEqual(["booked", "verified"]);
    expect(world.deliveredEmails.length).toBe(sentBefore);
    expect(await tasksOfType(t, opportunityId, "meeting_changed")).toHaveLength(0);
  });

  test("the prospect (the link's host) absent at Cal.com: no_show once the meeting is over, and the opportunity reopens", { timeout: 60_000 }, async () => {
    const { t, opportunityId, meetingId, booking } = await bookedOnLink();
    booking.absentHost = true;
    await reconcile(t);
    // Not over yet: a no-show cannot be known before the meeting.
    expect((await meetingOf(t, meetingId)).status).toBe("booked");

    vi.setSystemTime(tue(12));
    await reconcile(t, 2);
    expect((await meetingOf(t, meetingId)).status).toBe("no_show");
    expect((await historyOf(t, meetingId)).filter((e) => e.kind === "no_show")).toEqual([expect.objectContaining({ source: "provider", from: "booked" })]);
    expect(await opportunity(t, opportunityId)).toMatchObject({ status: "Contacted" });
    const funnel = await t.query(internal.calls.funnel, { agencyId: (await meetingOf(t, meetingId)).agencyId, from: NOW, to: NOW + 48 * HOUR });
    expect(funnel).toMatchObject({ completed: 0, noShow: 1, completionRate: 0, noShowRate: 1 });
  });
});

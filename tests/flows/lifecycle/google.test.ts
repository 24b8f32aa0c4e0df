/**
 * A meeting Atlas wrote to the agency's Google Calendar, reconciled against that
 * event: deleted, cancelled or moved by the owner in Google is applied here once
 * however often reconciliation runs, and Atlas's own calendar write that follows
 * agrees with Google instead of undoing it.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { eventIdFor } from "../../../convex/model/providers/googleCalendar";
import { apiError } from "../../helpers/fakeGoogle";
import { connectCalendar, connectionOf } from "../../helpers/calendar";
import { bookAt } from "../../helpers/world";
import { deliveredMethods, historyOf, invitesOf, meetingOf, reconcile, syncNow, tasksOfType } from "../../helpers/lifecycle";
import { addProspect, type Backend, rows, runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

// Tue 24 Nov 2026 14:00 New York (EST, -05:00); the owner moves it to Wed 25 Nov 11:30.
const MEETING = "2026-11-24T14:00:00-05:00";
const MOVED = { start: "2026-11-25T11:30:00-05:00", end: "2026-11-25T12:00:00-05:00" };
const ZONE = "America/New_York";

/** Dana's meeting booked by the AI, written to the agency's Google Calendar, invites sent. */
async function bookedInGoogle() {
  const w = await setupWorld({ agency: { meetingDurationMinutes: 30 } });
  await connectCalendar(w.t, w.world, w.agencyId);
  const meetingId = await bookAt(w.t, w.agencyId, w.opportunityId, MEETING);
  await runScheduled(w.t);
  const eventId = eventIdFor(meetingId);
  expect((await meetingOf(w.t, meetingId)).googleEventId).toBe(eventId);
  return { ...w, meetingId, eventId, sentBefore: w.world.deliveredEmails.length };
}

async function opportunity(t: Backend, id: Id<"opportunities">) {
  return (await t.run((ctx) => ctx.db.get("opportunities", id)))!;
}

/** The meeting's calendar rows of the outbox: sequence and status. */
async function calendarRows(t: Backend, meetingId: Id<"meetings">) {
  return (await rows(t, "outbox")).flatMap((r) =>
    r.message.kind === "calendar_event" && r.message.meetingId === meetingId ? [[r.message.sequence, r.status]] : [],
  );
}

/** Cancelled once, by the provider: one history row, one CANCEL per recipient, one task; the opportunity reopened. */
async function expectCancelledOnce(w: Awaited<ReturnType<typeof bookedInGoogle>>) {
  const { t, world, meetingId, opportunityId } = w;
  expect(await meetingOf(t, meetingId)).toMatchObject({ status: "cancelled", sequence: 1 });
  const cancelled = (await historyOf(t, meetingId)).filter((e) => e.kind === "cancelled");
  expect(cancelled).toEqual([expect.objectContaining({ source: "provider", from: "booked", to: "cancelled" })]);
  expect((await invitesOf(t, meetingId)).filter((i) => i.sequence === 1).map((i) => i.recipient).sort()).toEqual(["agency", "prospect"]);
  expect(deliveredMethods(world.deliveredEmails.slice(w.sentBefore))).toEqual(["METHOD:CANCEL", "METHOD:CANCEL"]);
  const tasks = await tasksOfType(t, opportunityId, "meeting_changed");
  expect(tasks).toHaveLength(1);
  expect(tasks[0].details).toMatchObject({ meetingId, change: "cancelled" });
  expect(await opportunity(t, opportunityId)).toMatchObject({ status: "Contacted" });
  // Atlas's own cancel of the event finds it gone already: done, not retried, nothing recreated.
  expect(await calendarRows(t, meetingId)).toEqual([
    [0, "sent"],
    [1, "sent"],
  ]);
  expect(world.google.eventRequests("POST")).toHaveLength(1);
  expect(world.google.eventRequests("PATCH")).toHaveLength(0);
}

describe("a meeting in the agency's Google Calendar", () => {
  test("deleted in Google: cancelled once across three runs, and the event is read with the calendar's token", async () => {
    const w = await bookedInGoogle();
    w.world.google.deleteInGoogle(w.eventId);

    await reconcile(w.t, 3);

    await expectCancelledOnce(w);
    const reads = w.world.google.eventRequests("GET");
    // Once cancelled the meeting is out of scope: read once, on the connection's calendar.
    expect(reads).toHaveLength(1);
    expect(new URL(reads[0].url).pathname).toBe(`/calendar/v3/calendars/primary/events/${w.eventId}`);
    expect(reads[0].headers.authorization).toMatch(/^Bearer ya29\./);
    expect(w.world.google.events.has(w.eventId)).toBe(false);
  });

  test("cancelled in Google (status cancelled): cancelled once; Atlas's delete of the cancelled event (410) is done", async () => {
    const w = await bookedInGoogle();
    w.world.google.cancelInGoogle(w.eventId);

    await reconcile(w.t, 3);

    await expectCancelledOnce(w);
    expect(w.world.google.eventRequests("DELETE")).toHaveLength(1);
    expect(w.world.google.events.get(w.eventId)).toMatchObject({ status: "cancelled" });
  });

  test("moved in Google: rescheduled to the new time with a new SEQUENCE, once; Atlas's patch writes the same time back", async () => {
    const w = await bookedInGoogle();
    const { t, world, meetingId, opportunityId, eventId } = w;
    world.google.moveInGoogle(eventId, { dateTime: MOVED.start, timeZone: ZONE }, { dateTime: MOVED.end, timeZone: ZONE });

    await reconcile(t, 3);

    const to = Date.parse(MOVED.start);
    expect(await meetingOf(t, meetingId)).toMatchObject({ status: "booked", meetingTime: to, sequence: 1, verifiedAt: expect.any(Number) });
    expect((await opportunity(t, opportunityId)).meetingTime).toBe(to);
    const moved = (await historyOf(t, meetingId)).filter((e) => e.kind === "rescheduled");
    expect(moved).toEqual([expect.objectContaining({ from: Date.parse(MEETING), to, source: "provider" })]);
    expect((await invitesOf(t, meetingId)).filter((i) => i.sequence === 1).map((i) => i.recipient).sort()).toEqual(["agency", "prospect"]);
    expect(deliveredMethods(world.deliveredEmails.slice(w.sentBefore))).toEqual(["METHOD:REQUEST", "METHOD:REQUEST"]);
    expect(await tasksOfType(t, opportunityId, "meeting_changed")).toHaveLength(1);
    expect(await tasksOfType(t, opportunityId, "booking_conflict")).toHaveLength(0);

    // The outbox's patch for the new sequence writes Google's own time: the event is not moved back.
    const patches = world.google.eventRequests("PATCH");
    expect(patches).toHaveLength(1);
    expect(patches[0].body).toMatchObject({ start: { dateTime: MOVED.start }, end: { dateTime: MOVED.end } });
    expect(world.google.events.get(eventId)).toMatchObject({ status: "confirmed", start: { dateTime: MOVED.start }, sequence: 1 });
    expect(await calendarRows(t, meetingId)).toEqual([
      [0, "sent"],
      [1, "sent"],
    ]);
    // Later runs read an event that agrees: nothing more is written anywhere.
    const reads = world.google.eventRequests("GET").length;
    await reconcile(t, 2);
    expect(world.google.eventRequests("GET").length).toBeGreaterThan(reads);
    expect(world.google.eventRequests("PATCH")).toHaveLength(1);
    expect((await historyOf(t, meetingId)).filter((e) => e.kind === "rescheduled")).toHaveLength(1);
  });

  test("moved by staff while the page was asking Google: the answer about the meeting as it was is not applied", async () => {
    const { t, world, agencyId, meetingId, opportunityId, eventId } = await bookedInGoogle();
    let movedMidPage = false;
    world.onRequest = async (req) => {
      if (movedMidPage || req.method !== "GET" || !req.url.includes(`/events/${eventId}`)) return;
      movedMidPage = true;
      await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: MOVED.start });
    };
    // Planned at 14:00 (sequence 0); Google answers 14:00 after staff moved it: not a move back.
    await syncNow(t, agencyId);
    world.onRequest = undefined;
    expect(movedMidPage).toBe(true);
    expect(await meetingOf(t, meetingId)).toMatchObject({ meetingTime: Date.parse(MOVED.start), sequence: 1 });
    expect((await historyOf(t, meetingId)).filter((e) => e.kind === "rescheduled").map((e) => e.source)).toEqual(["staff"]);
    expect(await tasksOfType(t, opportunityId, "meeting_changed")).toHaveLength(0);

    // Once Atlas's patch has landed, the next pass reads the moved event and agrees.
    await runScheduled(t);
    await reconcile(t, 2);
    expect(await meetingOf(t, meetingId)).toMatchObject({ meetingTime: Date.parse(MOVED.start), sequence: 1, verifiedAt: expect.any(Number) });
    expect(world.google.events.get(eventId)).toMatchObject({ start: { dateTime: MOVED.start } });
  });

  test("moved by staff in Atlas: the event still at the old time is not read until Atlas's patch lands, so the move sticks", async () => {
    const { t, world, agencyId, meetingId, eventId } = await bookedInGoogle();
    await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: MOVED.start });
    // Reconciliation before the outbox has patched the event: Google still shows 14:00.
    await syncNow(t, agencyId);
    expect(world.google.eventRequests("GET")).toHaveLength(0);
    expect((await meetingOf(t, meetingId)).meetingTime).toBe(Date.parse(MOVED.start));

    await runScheduled(t);
    await reconcile(t, 2);
    expect(world.google.eventRequests("GET").length).toBeGreaterThan(0);
    expect(await meetingOf(t, meetingId)).toMatchObject({ meetingTime: Date.parse(MOVED.start), sequence: 1, verifiedAt: expect.any(Number) });
    expect((await historyOf(t, meetingId)).filter((e) => e.kind === "rescheduled").map((e) => e.source)).toEqual(["staff"]);
    expect(world.google.events.get(eventId)).toMatchObject({ start: { dateTime: MOVED.start } });
  });

  test("moved in Google onto another Atlas meeting: moved, and a booking_conflict task opened", async () => {
    const w = await bookedInGoogle();
    const { t, world, agencyId, meetingId, opportunityId, eventId } = w;
    const sam = await addProspect(t, agencyId, "Sam Okafor", "+12015550188", { email: "sam@bakery.example" });
    await bookAt(t, agencyId, sam, MOVED.start);
    await runScheduled(t);
    // An all-day-free timed move written in another offset: the same instant.
    world.google.moveInGoogle(eventId, { dateTime: "2026-11-25T16:30:00Z" }, { dateTime: "2026-11-25T17:00:00Z" });

    await reconcile(t, 2);

    expect((await meetingOf(t, meetingId)).meetingTime).toBe(Date.parse(MOVED.start));
    const conflicts = await tasksOfType(t, opportunityId, "booking_conflict");
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0].details).toMatchObject({ slotIso: "2026-11-25T16:30:00.000Z" });
  });

  test("Google's 403 rateLimitExceeded and 429: the page is retried later with backoff and the deletion applied once", async () => {
    const w = await bookedInGoogle();
    w.world.google.deleteInGoogle(w.eventId);
    w.world.google.apiFailures = [
      apiError(403, "rateLimitExceeded", "Rate Limit Exceeded"),
      { status: 429, json: { error: { code: 429, message: "Too Many Requests", errors: [{ domain: "usageLimits", reason: "rateLimitExceeded" }] } } },
    ];

    await reconcile(w.t);

    const reads = w.world.google.eventRequests("GET");
    expect(reads).toHaveLength(3);
    // RECONCILE_RETRY: at least 1 then 2 minutes between the attempts.
    expect(reads[1].at - reads[0].at).toBeGreaterThanOrEqual(60_000);
    expect(reads[2].at - reads[1].at).toBeGreaterThanOrEqual(120_000);
    expect(await rows(w.t, "meetingMismatches")).toEqual([expect.objectContaining({ kind: "cancelled_at_provider_still_booked", resolved: true })]);
    await reconcile(w.t, 2);
    await expectCancelledOnce(w);
  });

  test("Google refuses the access token (401): it is refreshed and the page asked again later, the deletion applied once", async () => {
    const w = await bookedInGoogle();
    w.world.google.deleteInGoogle(w.eventId);
    const refreshes = w.world.google.refreshes.length;
    w.world.google.apiFailures = [apiError(401, "authError", "Invalid Credentials", "UNAUTHENTICATED")];

    await reconcile(w.t, 2);

    expect(w.world.google.eventRequests("GET")).toHaveLength(2);
    expect(w.world.google.refreshes).toHaveLength(refreshes + 1);
    expect((await connectionOf(w.t, w.agencyId))!.status).toBe("connected");
    expect((await rows(w.t, "meetingMismatches")).map((m) => m.kind)).toEqual(["cancelled_at_provider_still_booked"]);
    await expectCancelledOnce(w);
  });

  test("a calendar that needs reconnecting: the meeting is unverifiable, and Google is not asked", async () => {
    const w = await bookedInGoogle();
    const { t, world, agencyId, meetingId, opportunityId } = w;
    world.google.revokeAll();
    // The stored access token has run out: the page's refresh meets invalid_grant.
    await t.run(async (ctx) => {
      const c = await ctx.db.query("calendarConnections").withIndex("by_agency", (q) => q.eq("agencyId", agencyId)).unique();
      await ctx.db.patch("calendarConnections", c!._id, { accessTokenExpiresAt: Date.now() });
    });
    await reconcile(t);
    expect((await connectionOf(t, agencyId))!.status).toBe("needs_reauth");

    const asked = world.google.requests.length;
    await reconcile(t, 2);
    expect(world.google.requests).toHaveLength(asked);
    expect(world.google.eventRequests("GET")).toHaveLength(0);

    expect(await meetingOf(t, meetingId)).toMatchObject({ status: "booked", sequence: 0 });
    const report = await t.query(internal.meetings.mismatchReport, { agencyId });
    expect(report).toEqual([expect.objectContaining({ kind: "unverifiable", opportunityId, meetingId, resolved: false })]);
    expect(report[0].details).toMatch(/reconnect/);
  });

  test("booked by the AI but never written to Google (the outbox gave up): ai_booked_without_provider_event", async () => {
    const w = await setupWorld({ agency: { meetingDurationMinutes: 30 } });
    const { t, world, agencyId, opportunityId } = w;
    await connectCalendar(t, world, agencyId);
    world.google.apiFailures = [apiError(400, "invalid", "Invalid attendee email.")];
    const meetingId = await bookAt(t, agencyId, opportunityId, MEETING);
    await runScheduled(t);
    expect(await calendarRows(t, meetingId)).toEqual([[0, "failed"]]);

    await reconcile(t, 2);

    const report = await t.query(internal.meetings.mismatchReport, { agencyId });
    expect(report).toEqual([expect.objectContaining({ kind: "ai_booked_without_provider_event", meetingId, resolved: false })]);
    expect(report[0].details).toMatch(/Google Calendar event/);
    expect(world.google.eventRequests("GET")).toHaveLength(0);
    expect((await meetingOf(t, meetingId)).status).toBe("booked");
  });
});

/**
 * The agency reconnects Google Calendar: with another Google account, whose
 * calendar never held Atlas's events, reconciliation must not read the 404 as
 * "the owner deleted the meeting" — the meeting stays booked and its event is
 * written into the new calendar once. With the same account, events are read
 * (and a deletion there applied) as before.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { eventIdFor } from "../../../convex/model/providers/googleCalendar";
import { apiError } from "../../helpers/fakeGoogle";
import { callback, connectCalendar, connectionOf } from "../../helpers/calendar";
import { bookAt } from "../../helpers/world";
import { deliveredMethods, meetingOf, reconcile, tasksOfType } from "../../helpers/lifecycle";
import { runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

// Tue 24 Nov 2026 14:00 New York (EST, -05:00).
const MEETING = "2026-11-24T14:00:00-05:00";
const FIRST = "team@brightline.example";
const SECOND = "owner@brightline-new.example";

/** A meeting booked by the AI and written to the first account's calendar; then the calendar is disconnected. */
async function bookedThenDisconnected() {
  const w = await setupWorld({ agency: { meetingDurationMinutes: 30 } });
  await connectCalendar(w.t, w.world, w.agencyId);
  expect((await connectionOf(w.t, w.agencyId))?.accountId).toBe(FIRST);
  const meetingId = await bookAt(w.t, w.agencyId, w.opportunityId, MEETING);
  await runScheduled(w.t);
  const eventId = eventIdFor(meetingId);
  expect(await meetingOf(w.t, meetingId)).toMatchObject({ googleEventId: eventId, googleAccountId: FIRST });
  await w.t.mutation(internal.calendar.disconnect, { agencyId: w.agencyId });
  await runScheduled(w.t);
  return { ...w, meetingId, eventId, sentBefore: w.world.deliveredEmails.length };
}

describe("reconnecting the agency's Google Calendar", () => {
  test("with another account: the meeting stays booked, nobody is told, and its event is written into the new calendar once", async () => {
    const w = await bookedThenDisconnected();
    const { t, world, agencyId, opportunityId, meetingId, eventId } = w;
    world.google.switchAccount(SECOND);
    await connectCalendar(t, world, agencyId);
    expect((await connectionOf(t, agencyId))?.accountId).toBe(SECOND);
    const postsBefore = world.google.eventRequests("POST").length;

    await reconcile(t, 3);

    expect(await meetingOf(t, meetingId)).toMatchObject({ status: "booked", sequence: 0, googleEventId: eventId, googleAccountId: SECOND });
    expect(deliveredMethods(world.deliveredEmails.slice(w.sentBefore))).toEqual([]);
    expect(await tasksOfType(t, opportunityId, "meeting_changed")).toHaveLength(0);
    const inserts = world.google.eventRequests("POST").slice(postsBefore);
    expect(inserts).toHaveLength(1);
    expect(inserts[0].body).toMatchObject({ id: eventId });
    expect(world.google.events.get(eventId)).toMatchObject({ status: "confirmed" });
    // Written there, it is checked there: the new calendar's event is read from now on.
    expect(world.google.eventRequests("GET").length).toBeGreaterThan(0);
    expect(world.google.eventRequests("GET").every((r) => r.url.endsWith(`/events/${eventId}`))).toBe(true);
  });

  test("with the same account: the event is read as before, and deleted there the meeting is cancelled once", async () => {
    const w = await bookedThenDisconnected();
    const { t, world, agencyId, opportunityId, meetingId, eventId } = w;
    await connectCalendar(t, world, agencyId);
    expect((await connectionOf(t, agencyId))?.accountId).toBe(FIRST);
    world.google.deleteInGoogle(eventId);
    const postsBefore = world.google.eventRequests("POST").length;

    await reconcile(t, 3);

    expect(world.google.eventRequests("POST").slice(postsBefore)).toHaveLength(0);
    expect(world.google.eventRequests("GET")).toHaveLength(1);
    expect(await meetingOf(t, meetingId)).toMatchObject({ status: "cancelled", sequence: 1 });
    expect(deliveredMethods(world.deliveredEmails.slice(w.sentBefore))).toEqual(["METHOD:CANCEL", "METHOD:CANCEL"]);
    expect(await tasksOfType(t, opportunityId, "meeting_changed")).toHaveLength(1);
  });

  test("Google does not say which account was connected: the calendar connects under this consent's own marker", async () => {
    const { t, world, agencyId } = await setupWorld();
    world.google.apiFailures = [apiError(403, "insufficientPermissions", "Request had insufficient authentication scopes.", "PERMISSION_DENIED")];
    const url = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId }));

    const res = await callback(t, { state: url.searchParams.get("state")!, code: world.google.issueCode() });

    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain(FIRST);
    const connection = await connectionOf(t, agencyId);
    expect(connection).toMatchObject({ status: "connected" });
    expect(connection?.accountId).toMatch(/^consent:/);
  });
});

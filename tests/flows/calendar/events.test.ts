import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { eventIdFor } from "../../../convex/model/providers/googleCalendar";
import { outboxRows } from "../../helpers/backend";
import { apiError } from "../../helpers/fakeGoogle";
import { connectCalendar } from "../../helpers/calendar";
import { bookAt } from "../../helpers/world";
import { runScheduled, setupWorld, type Backend } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

// Tue 24 Nov 2026 14:00 New York (EST, -05:00); moved to Wed 25 Nov 11:30.
const MEETING = "2026-11-24T14:00:00-05:00";
const MOVED = "2026-11-25T11:30:00-05:00";

async function connected() {
  const w = await setupWorld({ agency: { meetingDurationMinutes: 30 } });
  await connectCalendar(w.t, w.world, w.agencyId);
  return w;
}

async function calendarRows(t: Backend) {
  return (await outboxRows(t)).filter((r) => r.message.kind === "calendar_event");
}

describe("booked meetings in the agency's Google Calendar", () => {
  test("a booking is inserted once, under an id derived from the meeting, without Google emailing anyone", async () => {
    const { t, world, agencyId, opportunityId } = await connected();
    const meetingId = await bookAt(t, agencyId, opportunityId, MEETING);
    await runScheduled(t);

    const eventId = eventIdFor(meetingId);
    expect(eventId).toMatch(/^[a-v0-9]{5,1024}$/);
    const [insert] = world.google.eventRequests("POST");
    expect(world.google.eventRequests("POST")).toHaveLength(1);
    const url = new URL(insert.url);
    expect(url.pathname).toBe("/calendar/v3/calendars/primary/events");
    expect(url.searchParams.get("sendUpdates")).toBe("none");
    expect(insert.body).toMatchObject({
      id: eventId,
      summary: "Brightline Growth × Dana Whitfield",
      start: { dateTime: "2026-11-24T14:00:00-05:00", timeZone: "America/New_York" },
      end: { dateTime: "2026-11-24T14:30:00-05:00", timeZone: "America/New_York" },
      attendees: [{ email: "dana@clinic.example", displayName: "Dana Whitfield" }],
    });
    expect((insert.body as { description: string }).description).toContain("Dana Whitfield");
    expect(world.google.events.get(eventId)).toMatchObject({ status: "confirmed" });
    const meeting = await t.run((ctx) => ctx.db.get("meetings", meetingId));
    expect(meeting!.googleEventId).toBe(eventId);
    expect((await calendarRows(t)).map((r) => [r.key, r.channel, r.status, r.attempts])).toEqual([
      [`calendar_event:${meetingId}:0`, "google_calendar", "sent", 1],
    ]);

    // The confirmation run again writes nothing more.
    await t.action(internal.followUp.sendBookingConfirmation, { meetingId });
    await runScheduled(t);
    expect(world.google.eventRequests("POST")).toHaveLength(1);
  });

  test("an insert whose reply was lost is retried; Google's 409 means it exists, so it is recorded, not created twice", async () => {
    const { t, world, agencyId, opportunityId } = await connected();
    world.google.lostReplies = 1;
    const meetingId = await bookAt(t, agencyId, opportunityId, MEETING);
    await runScheduled(t);

    const inserts = world.google.eventRequests("POST");
    expect(inserts).toHaveLength(2);
    expect(inserts[0].raw).toBe(inserts[1].raw);
    expect(inserts[1].at - inserts[0].at).toBeGreaterThanOrEqual(60_000); // the outbox's backoff
    expect(world.google.events.size).toBe(1);
    const meeting = await t.run((ctx) => ctx.db.get("meetings", meetingId));
    expect(meeting!.googleEventId).toBe(eventIdFor(meetingId));
    expect((await calendarRows(t)).map((r) => [r.status, r.attempts])).toEqual([["sent", 2]]);
  });

  test("a reschedule patches the same event; a cancellation cancels it", async () => {
    const { t, world, agencyId, opportunityId } = await connected();
    const meetingId = await bookAt(t, agencyId, opportunityId, MEETING);
    await runScheduled(t);
    const eventId = eventIdFor(meetingId);

    await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: MOVED });
    await runScheduled(t);
    const [patch] = world.google.eventRequests("PATCH");
    expect(world.google.eventRequests("PATCH")).toHaveLength(1);
    expect(new URL(patch.url).pathname).toBe(`/calendar/v3/calendars/primary/events/${eventId}`);
    expect(new URL(patch.url).searchParams.get("sendUpdates")).toBe("none");
    expect(world.google.events.get(eventId)).toMatchObject({
      status: "confirmed",
      start: { dateTime: "2026-11-25T11:30:00-05:00", timeZone: "America/New_York" },
    });
    expect(world.google.eventRequests("POST")).toHaveLength(1);
    expect(world.google.events.size).toBe(1);

    await t.mutation(internal.meetings.cancel, { meetingId });
    await runScheduled(t);
    const [remove] = world.google.eventRequests("DELETE");
    expect(new URL(remove.url).pathname).toBe(`/calendar/v3/calendars/primary/events/${eventId}`);
    expect(world.google.events.get(eventId)).toMatchObject({ status: "cancelled" });
    expect((await calendarRows(t)).map((r) => [r.key, r.status])).toEqual([
      [`calendar_event:${meetingId}:0`, "sent"],
      [`calendar_event:${meetingId}:1`, "sent"],
      [`calendar_event:${meetingId}:2`, "sent"],
    ]);
  });

  test("a Google outage delays the event, never loses it", async () => {
    const { t, world, agencyId, opportunityId } = await connected();
    world.google.apiFailures = [apiError(503, "backendError", "Backend Error"), apiError(403, "rateLimitExceeded", "Rate Limit Exceeded")];
    const meetingId = await bookAt(t, agencyId, opportunityId, MEETING);
    await runScheduled(t);
    expect(world.google.eventRequests("POST")).toHaveLength(3);
    expect(world.google.events.get(eventIdFor(meetingId))).toMatchObject({ status: "confirmed" });
    expect((await calendarRows(t)).map((r) => [r.status, r.attempts])).toEqual([["sent", 3]]);
  });

  test("an agency without a calendar queues no calendar writes", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    await bookAt(t, agencyId, opportunityId, MEETING);
    await runScheduled(t);
    expect(await calendarRows(t)).toEqual([]);
    expect(world.google.requests).toHaveLength(0);
  });

  test("an expired access token is refreshed before the write", async () => {
    const { t, world, agencyId, opportunityId } = await connected();
    vi.advanceTimersByTime(2 * 60 * 60_000);
    const meetingId = await bookAt(t, agencyId, opportunityId, "2026-11-24T15:00:00-05:00");
    await runScheduled(t);
    expect(world.google.refreshes).toHaveLength(1);
    expect(world.google.events.get(eventIdFor(meetingId))).toMatchObject({ status: "confirmed" });
  });
});

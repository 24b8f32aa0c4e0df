import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { classifySchedulerLink, SchedulerLinkError } from "../../convex/model/providers/schedulerLink";
import {
  CalcomError,
  createCalcomBooking,
  fetchCalcomSlots,
  intersectWithAvailability,
} from "../../convex/model/providers/calcom";
import { MINUTE, parseWindows, type SchedulingRules } from "../../convex/model/scheduling/availability";
import { FakeWorld } from "../helpers/fakeWorld";

const SLOTS = /^https:\/\/api\.cal\.com\/v2\/slots\?/;
const BOOKINGS = /^https:\/\/api\.cal\.com\/v2\/bookings$/;

let world: FakeWorld;

beforeEach(() => {
  world = new FakeWorld().install();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("classifySchedulerLink", () => {
  test.each([
    ["https://cal.com/dana/intro", { apiBase: "https://api.cal.com", username: "dana", eventTypeSlug: "intro" }],
    ["https://app.cal.com/dana/intro?month=2026-03", { apiBase: "https://api.cal.com", username: "dana", eventTypeSlug: "intro" }],
    ["https://cal.eu/jan.de-vries/30min/", { apiBase: "https://api.cal.eu", username: "jan.de-vries", eventTypeSlug: "30min" }],
    ["cal.com/dana/intro", { apiBase: "https://api.cal.com", username: "dana", eventTypeSlug: "intro" }],
  ])("%s is a bookable Cal.com event", (raw, event) => {
    expect(classifySchedulerLink(raw)).toMatchObject({ provider: "calcom", event });
  });

  test.each([
    ["https://acme.cal.com/dana/intro", { apiBase: "https://api.cal.com", organizationSlug: "acme", username: "dana", eventTypeSlug: "intro" }],
    ["Acme-Health.cal.com/dana/30min", { apiBase: "https://api.cal.com", organizationSlug: "acme-health", username: "dana", eventTypeSlug: "30min" }],
    ["https://beta.cal.eu/jan/intro", { apiBase: "https://api.cal.eu", organizationSlug: "beta", username: "jan", eventTypeSlug: "intro" }],
  ])("%s is an organisation's Cal.com event, booked with its organizationSlug", (raw, event) => {
    expect(classifySchedulerLink(raw)).toEqual({ provider: "calcom", url: expect.any(String), event });
  });

  test("a personal Cal.com link names no organisation", () => {
    const link = classifySchedulerLink("https://app.cal.com/dana/intro");
    expect(link.provider === "calcom" && link.event).not.toHaveProperty("organizationSlug");
  });

  test.each(["https://acme.cal.com/dana", "https://acme.cal.com/team/sales/demo"])("%s is an organisation's page without a single event", (raw) => {
    expect(classifySchedulerLink(raw)).toMatchObject({ provider: "calcom", event: null });
  });

  test.each(["https://cal.com/dana", "https://cal.com/team/acme/demo", "https://cal.com/booking/abc123", "https://cal.com/dana/intro/extra"])(
    "%s is Cal.com without a single bookable event",
    (raw) => {
      expect(classifySchedulerLink(raw)).toMatchObject({ provider: "calcom", event: null });
    },
  );

  test.each([
    ["https://calendly.com/dana-smith/30min", "calendly"],
    ["https://acme.calendly.com/dana", "calendly"],
    ["https://meetings.hubspot.com/dana-smith", "hubspot"],
    ["https://meetings-eu1.hubspot.com/dana", "hubspot"],
    ["https://calendar.app.google/AbC123xyz", "google"],
    ["https://calendar.google.com/calendar/appointments/schedules/AcZssZ1", "google"],
    ["https://calendar.google.com/calendar/u/0/appointments/schedules/AcZssZ1", "google"],
    ["https://calendar.google.com/calendar/r/week", "other"],
    ["https://www.acme.example/book-a-call", "other"],
    ["https://notcal.com/dana/intro", "other"],
    ["https://docs.cal.com/dana/intro", "other"],
    ["https://acme.cal.com.evil.example/dana/intro", "other"],
  ])("%s -> %s", (raw, provider) => {
    expect(classifySchedulerLink(raw).provider).toBe(provider);
  });

  test.each([
    ["ftp://cal.com/dana/intro", /^link must be an http\(s\) URL$/],
    ["javascript:alert(1)", /must be an http\(s\) URL/],
    ["mailto:dana@acme.example", /must be an http\(s\) URL/],
    ["cal dot com slash dana", /^link is not a URL$/],
    ["", /is not a URL/],
    ["https://localhost/dana/intro", /no real host/],
    ["https://dana:secret@cal.com/dana/intro", /carries credentials/],
  ])("refuses %s", (raw, message) => {
    expect(() => classifySchedulerLink(raw)).toThrow(SchedulerLinkError);
    expect(() => classifySchedulerLink(raw)).toThrow(message);
  });
});

// Tue 10:00-12:00 New York, 30-minute meetings on a 15-minute grid; 2026-03-10 is EDT (-04:00).
const rules: SchedulingRules = {
  timeZone: "America/New_York",
  windows: parseWindows(["Tue 10:00-12:00"]),
  slotIntervalMinutes: 15,
  meetingDurationMinutes: 30,
  bufferMinutes: 0,
  minNoticeMinutes: 120,
  horizonDays: 7,
};
const now = Date.UTC(2026, 2, 9, 12, 0); // Mon 08:00 EDT
const at = (hour: number, minute = 0) => Date.UTC(2026, 2, 10, hour + 4, minute); // Tue local -> UTC

describe("intersectWithAvailability", () => {
  test("keeps only starts the agency could book, sorted and unique", () => {
    const busy = [{ start: at(10), end: at(10, 30) }];
    const provider = [
      at(11), // free on both
      at(9), // before the agency window
      at(10), // on a booked meeting
      at(10, 15), // overlaps the booked meeting
      at(10, 40), // off the agency's 15-minute grid
      at(11, 45), // would end after the window
      at(10, 30), // free on both
      at(10, 30), // duplicate
      at(10) + 7 * 24 * 60 * MINUTE, // past the 7-day horizon
    ];
    expect(intersectWithAvailability(provider, rules, now, busy)).toEqual([at(10, 30), at(11)]);
  });

  test("drops starts inside the minimum notice", () => {
    expect(intersectWithAvailability([at(10, 30), at(11)], rules, at(9), [])).toEqual([at(11)]);
  });
});

const event = { apiBase: "https://api.cal.com", username: "dana", eventTypeSlug: "intro" } as const;

describe("fetchCalcomSlots", () => {
  test("asks for the event's slots in the agency zone and reads offsets and Z", async () => {
    world.calcomSlots = {
      "2026-03-10": ["2026-03-10T10:30:00.000-04:00", "2026-03-10T15:00:00.000Z"],
      "2026-03-11": ["2026-03-11T09:00:00"],
    };
    const starts = await fetchCalcomSlots(event, { start: now, end: now + 7 * 24 * 60 * MINUTE }, "America/New_York");
    expect(starts).toEqual([at(10, 30), at(11), Date.UTC(2026, 2, 11, 13, 0)]);
    const [request] = world.requests;
    expect(request.method).toBe("GET");
    const parsed = new URL(request.url);
    expect(parsed.origin + parsed.pathname).toBe("https://api.cal.com/v2/slots");
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      eventTypeSlug: "intro",
      username: "dana",
      start: "2026-03-09T12:00:00Z",
      end: "2026-03-16T12:00:00Z",
      timeZone: "America/New_York",
    });
    expect(request.headers["cal-api-version"]).toBe("2024-09-04");
  });

  test("an organisation's event is asked for with its organizationSlug", async () => {
    world.calcomOrganization = "acme";
    world.calcomSlots = { "2026-03-10": ["2026-03-10T10:30:00.000-04:00"] };
    const starts = await fetchCalcomSlots({ ...event, organizationSlug: "acme" }, { start: now, end: now + MINUTE }, "America/New_York");
    expect(starts).toEqual([at(10, 30)]);
    expect(Object.fromEntries(new URL(world.requests[0].url).searchParams)).toEqual({
      eventTypeSlug: "intro",
      username: "dana",
      organizationSlug: "acme",
      start: "2026-03-09T12:00:00Z",
      end: "2026-03-09T12:01:00Z",
      timeZone: "America/New_York",
    });
  });

  test("an error reply becomes a CalcomError with the status and a short message", async () => {
    world.answer("GET", SLOTS, { status: 404, json: { status: "error", error: { code: "NotFoundException", message: "Event type not found" } } });
    const failure = fetchCalcomSlots(event, { start: now, end: now + MINUTE }, "UTC");
    await expect(failure).rejects.toBeInstanceOf(CalcomError);
    await expect(failure).rejects.toMatchObject({ statusCode: 404, message: "Cal.com slots failed with HTTP 404: Event type not found" });
  });

  test("an unexpected reply shape is an error, not an empty list", async () => {
    world.answer("GET", SLOTS, { json: { status: "success", data: [{ time: "10:00" }] } });
    await expect(fetchCalcomSlots(event, { start: now, end: now + MINUTE }, "UTC")).rejects.toThrow(/unexpected reply/);
  });

  test("a network failure is a CalcomError without a status", async () => {
    world.answer("GET", SLOTS, new TypeError("fetch failed"));
    await expect(fetchCalcomSlots(event, { start: now, end: now + MINUTE }, "UTC")).rejects.toMatchObject({
      statusCode: undefined,
      message: "Cal.com slots: network error",
    });
  });
});

describe("createCalcomBooking", () => {
  const attendee = { name: "Brightline Growth", email: "hello@brightline.example", timeZone: "America/New_York" };

  test("posts the UTC start and the attendee, returns uid and status", async () => {
    world.answer("POST", BOOKINGS, { status: 201, json: { status: "success", data: { id: 42, uid: "bk_uid", status: "accepted" } } });
    await expect(createCalcomBooking(event, at(10, 30), attendee)).resolves.toEqual({ bookingId: "bk_uid", status: "accepted" });
    const [request] = world.requests;
    expect(request.url).toBe("https://api.cal.com/v2/bookings");
    expect(request.method).toBe("POST");
    expect(request.headers["cal-api-version"]).toBe("2024-08-13");
    expect(request.body).toEqual({
      eventTypeSlug: "intro",
      username: "dana",
      start: "2026-03-10T14:30:00Z",
      attendee,
    });
  });

  test("books an organisation's event with its organizationSlug", async () => {
    world.calcomOrganization = "acme";
    await expect(createCalcomBooking({ ...event, organizationSlug: "acme" }, at(10, 30), attendee)).resolves.toMatchObject({ status: "accepted" });
    expect(world.requests[0].body).toEqual({
      eventTypeSlug: "intro",
      username: "dana",
      organizationSlug: "acme",
      start: "2026-03-10T14:30:00Z",
      attendee,
    });
  });

  test("falls back to the numeric id and keeps a PENDING status", async () => {
    world.answer("POST", BOOKINGS, { status: 201, json: { status: "success", data: { id: 42, status: "PENDING" } } });
    await expect(createCalcomBooking(event, at(10, 30), attendee)).resolves.toEqual({ bookingId: "42", status: "PENDING" });
  });

  test("a reply with no booking id is an error", async () => {
    world.answer("POST", BOOKINGS, { status: 201, json: { status: "success", data: { status: "accepted" } } });
    await expect(createCalcomBooking(event, at(10, 30), attendee)).rejects.toThrow(/unexpected reply/);
  });

  test("the error message never carries the attendee", async () => {
    world.answer("POST", BOOKINGS, { status: 400, json: { status: "error", error: { message: "x".repeat(500) } } });
    const error = await createCalcomBooking(event, at(10, 30), attendee).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalcomError);
    expect((error as CalcomError).message.length).toBeLessThan(220);
    expect((error as CalcomError).message).not.toContain("hello@brightline.example");
  });
});

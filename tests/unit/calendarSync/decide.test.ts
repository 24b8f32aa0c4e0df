import { describe, expect, test } from "vitest";
import { bookingAt, bookingToRecord, decide, type Observation } from "../../../convex/model/calendarSync/decide";
import { changes, heldAtProvider } from "../../../convex/model/meetings/lifecycle";
import type { Doc } from "../../../convex/_generated/dataModel";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-03-10T12:00:00Z");
const meeting = (fields: Partial<Doc<"meetings">> = {}) =>
  ({ status: "booked", meetingTime: NOW + HOUR, durationMinutes: 30, providerBookingId: "bk_1", sequence: 0, ...fields }) as Doc<"meetings">;
const found = (b: Partial<Extract<Observation, { kind: "found" }>["booking"]> = {}): Observation => ({
  kind: "found",
  booking: { id: "bk_1", start: NOW + HOUR, status: "active", prospectNoShow: false, ...b },
});

describe("decide", () => {
  test("a cancelled booking cancels a booked meeting and is recorded as a resolved mismatch; a held one is left alone", () => {
    expect(decide(meeting(), found({ status: "cancelled" }), NOW)).toMatchObject({
      change: { change: { kind: "cancelled" }, source: "provider" },
      mismatch: { kind: "cancelled_at_provider_still_booked", resolved: true },
    });
    expect(decide(meeting({ status: "completed" }), found({ status: "cancelled" }), NOW).change).toBeNull();
  });

  test("a reschedule follows the provider: to the replacing booking, or the booking's own new start", () => {
    expect(decide(meeting(), found({ status: "cancelled", rescheduledTo: { id: "bk_2", start: NOW + 5 * HOUR } }), NOW).change).toEqual({
      change: { kind: "rescheduled", to: NOW + 5 * HOUR, providerBookingId: "bk_2" },
      source: "provider",
    });
    expect(decide(meeting(), found({ start: NOW + 2 * HOUR }), NOW).change?.change).toEqual({ kind: "rescheduled", to: NOW + 2 * HOUR });
  });

  test("no-show only once the meeting is over; after 24 hours with no signal, completed by reconcile", () => {
    expect(decide(meeting(), found({ prospectNoShow: true }), NOW).change).toBeNull();
    const over = meeting({ meetingTime: NOW - HOUR });
    expect(decide(over, found({ start: NOW - HOUR, prospectNoShow: true }), NOW).change).toEqual({ change: { kind: "no_show" }, source: "provider" });
    const longOver = meeting({ meetingTime: NOW - 25 * HOUR });
    expect(decide(longOver, found({ start: NOW - 25 * HOUR }), NOW).change).toEqual({ change: { kind: "completed" }, source: "reconcile" });
    expect(decide(meeting({ meetingTime: NOW - 24 * HOUR }), { kind: "unchecked" }, NOW).change).toBeNull();
    expect(decide(longOver, { kind: "unchecked" }, NOW).change?.change.kind).toBe("completed");
  });

  test("missing or refused: open mismatches, of the kind that fits", () => {
    expect(decide(meeting(), { kind: "missing" }, NOW).mismatch).toMatchObject({ kind: "unverifiable", resolved: false });
    expect(decide(meeting({ providerBookingId: undefined }), { kind: "missing" }, NOW).mismatch).toMatchObject({ kind: "ai_booked_without_provider_event" });
    expect(decide(meeting(), { kind: "failed", statusCode: 403, message: "Calendly event failed with HTTP 403" }, NOW).mismatch).toMatchObject({
      kind: "unverifiable",
      details: "Calendly event failed with HTTP 403",
    });
    expect(decide(meeting(), found(), NOW)).toMatchObject({ change: null, verified: true, resolves: ["unverifiable", "ai_booked_without_provider_event"] });
  });

  test("which listed booking is the meeting, and which found booking is recorded", () => {
    const list = [
      { id: "a", start: NOW - 10 * 24 * HOUR, status: "active" as const, prospectNoShow: false },
      { id: "b", start: NOW + 3 * HOUR, status: "cancelled" as const, prospectNoShow: false },
      { id: "c", start: NOW + 5 * HOUR, status: "active" as const, prospectNoShow: false },
    ];
    expect(bookingAt(list, NOW + 3 * HOUR)?.id).toBe("b");
    expect(bookingAt(list, NOW)).toBeNull();
    expect(bookingToRecord(list, NOW - 7 * 24 * HOUR)?.id).toBe("c");
    expect(bookingToRecord(list.slice(0, 2), NOW - 7 * 24 * HOUR)).toBeNull();
  });
});

describe("changes (what applyMeetingChange would alter)", () => {
  test("repeats change nothing; outcomes: staff correct, a provider's no-show beats the 24-hour rule, never the reverse", () => {
    expect(changes(meeting({ status: "cancelled" }), { kind: "cancelled" }, "provider")).toBe(false);
    expect(changes(meeting(), { kind: "rescheduled", to: NOW + HOUR }, "provider")).toBe(false);
    expect(changes(meeting({ status: "completed" }), { kind: "no_show" }, "provider")).toBe(true);
    expect(changes(meeting({ status: "no_show" }), { kind: "completed" }, "reconcile")).toBe(false);
    expect(changes(meeting({ status: "no_show" }), { kind: "completed" }, "staff")).toBe(true);
    expect(changes(meeting({ status: "cancelled" }), { kind: "completed" }, "staff")).toBe(false);
  });
});

describe("heldAtProvider", () => {
  test("the prospect's Cal.com link and the agency's Cal.com or Calendly hold their bookings; Google and unbooked meetings are Atlas's", () => {
    expect(heldAtProvider(meeting({ source: "prospect_link" }))).toBe("calcom");
    expect(heldAtProvider(meeting({ source: "agency_link", bookingProvider: "calendly" }))).toBe("calendly");
    // An AI booking the agency's Cal.com confirmed (its booking id recorded) lives there too.
    expect(heldAtProvider(meeting({ source: "ai_call", bookingProvider: "calcom" }))).toBe("calcom");
    expect(heldAtProvider(meeting({ source: "ai_call", bookingProvider: "google" }))).toBeNull();
    expect(heldAtProvider(meeting({ source: "ai_call", providerBookingId: undefined, bookingProvider: "calcom" }))).toBeNull();
  });
});

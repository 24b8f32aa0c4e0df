import { describe, expect, test } from "vitest";
import { availabilityReply, nearestSlots, parseToolCall, pickSlots, refusedReply } from "../../convex/model/calls/tools";

const HOUR = 3_600_000;
const zones = { agencyZone: "America/New_York", prospectZone: "America/New_York" };

describe("parseToolCall", () => {
  test("has nothing to answer without an id", () => {
    expect(parseToolCall({ type: "function", function: { name: "book_meeting", arguments: "{}" } })).toBeNull();
    expect(parseToolCall("book_meeting")).toBeNull();
  });

  test("reads null, empty and object arguments; normalises the part of the day", () => {
    expect(parseToolCall({ id: "a", type: "function", function: { name: "check_availability", arguments: "" } })).toEqual({ toolCallId: "a", tool: "check_availability" });
    expect(parseToolCall({ id: "b", name: "check_availability", parameters: null })).toEqual({ toolCallId: "b", tool: "check_availability" });
    expect(parseToolCall({ id: "c", name: "check_availability", arguments: { date: null, timeOfDay: " Morning " } })).toEqual({
      toolCallId: "c",
      tool: "check_availability",
      timeOfDay: "morning",
    });
  });

  test("refuses impossible dates, offset-less times and non-object arguments, naming the field, not the value", () => {
    expect(parseToolCall({ id: "d", name: "check_availability", parameters: { date: "2026-02-30" } })).toMatchObject({
      tool: "invalid",
      error: "check_availability: date is not a calendar date YYYY-MM-DD",
    });
    expect(parseToolCall({ id: "e", name: "book_meeting", parameters: { slotIso: "2026-11-24T14:00:00" } })).toMatchObject({
      tool: "invalid",
      error: "book_meeting: slotIso is not an ISO time with an offset; pass the slotId beside the agreed time",
    });
    expect(parseToolCall({ id: "f", name: "book_meeting", arguments: "[1]" })).toMatchObject({ tool: "invalid", error: "book_meeting: arguments must be a JSON object" });
    expect(parseToolCall({ id: "g", name: "book_meeting", parameters: {} })).toMatchObject({ tool: "invalid", error: expect.stringContaining("slotId") });
    expect(parseToolCall({ id: "h", name: "book_meeting", parameters: { slotId: "tuesday" } })).toMatchObject({ tool: "invalid", error: expect.stringContaining("slotId") });
    expect(parseToolCall({ id: "i", name: "book_meeting", parameters: { slotId: " s2 " } })).toEqual({ toolCallId: "i", tool: "book_meeting", slotId: "S2" });
  });
});

describe("slot choice and replies", () => {
  test("nearestSlots takes the closest and returns them in time order", () => {
    const t = Date.parse("2026-11-24T19:00:00Z");
    expect(nearestSlots([t - 3 * HOUR, t - HOUR, t + HOUR / 2, t + 2 * HOUR, t + 5 * HOUR], t, 3, "America/New_York")).toEqual([t - HOUR, t + HOUR / 2, t + 2 * HOUR]);
  });

  test("a request that matches nothing falls back to the nearest slots", () => {
    const now = Date.parse("2026-11-21T15:00:00Z");
    const monday9 = Date.parse("2026-11-23T14:00:00Z");
    const picked = pickSlots([monday9, monday9 + HOUR], "America/New_York", { date: "2026-11-22" }, now);
    expect(picked).toEqual({ slots: [monday9, monday9 + HOUR], matched: false });
  });

  test("nothing free and nothing to offer still give one actionable line", () => {
    expect(availabilityReply({ slots: [], matched: false }, {}, zones, 7, [])).toBe("No free times in the next 7 days; offer to have the team call back. Nothing is booked.");
    expect(refusedReply(Date.parse("2026-11-24T19:00:00Z"), "conflict", [], zones)).toBe(
      "Not booked: Tue, Nov 24, 2:00 PM EST is already taken. There are no other free times soon; offer to have the team call back. Do not say it is booked.",
    );
  });
});

import { describe, expect, test } from "vitest";
import { parseWindows } from "../../../convex/model/scheduling/availability";
import { nextOpening, staffCallDueAt } from "../../../convex/model/callbacks/timing";

const NY = "America/New_York";
const windows = parseWindows(["Mon-Fri 09:00-17:00"]);
const at = (iso: string) => Date.parse(iso);

describe("when a staff call may ring", () => {
  test("inside a window: now; after it: the next day's opening; on a weekend: Monday's", () => {
    expect(nextOpening(at("2026-11-23T15:00:00Z"), windows, NY)).toBe(at("2026-11-23T15:00:00Z"));
    expect(nextOpening(at("2026-11-23T22:30:00Z"), windows, NY)).toBe(at("2026-11-24T14:00:00Z"));
    expect(nextOpening(at("2026-11-21T15:00:00Z"), windows, NY)).toBe(at("2026-11-23T14:00:00Z"));
    // The window's end is not inside it.
    expect(nextOpening(at("2026-11-23T22:00:00Z"), windows, NY)).toBe(at("2026-11-24T14:00:00Z"));
    expect(nextOpening(at("2026-11-23T15:00:00Z"), [], NY)).toBe(at("2026-11-23T15:00:00Z"));
  });

  test("each date's own offset: the opening after the spring change is 09:00 EDT", () => {
    // Saturday 7 March 2026 (EST) -> Monday 9 March 09:00 EDT (13:00Z), the clocks changed on the 8th.
    expect(nextOpening(at("2026-03-07T15:00:00Z"), windows, NY)).toBe(at("2026-03-09T13:00:00Z"));
  });

  test("urgent: now within 08:00-21:00 in the staff phone's zone, else its next 08:00", () => {
    const t = { urgent: true, windows, agencyZone: NY, staffZone: NY };
    expect(staffCallDueAt(at("2026-11-21T15:00:00Z"), t)).toBe(at("2026-11-21T15:00:00Z"));
    expect(staffCallDueAt(at("2026-11-24T03:30:00Z"), t)).toBe(at("2026-11-24T13:00:00Z"));
    // A staff phone in Los Angeles: 06:30 there is too early although it is 09:30 in New York.
    expect(staffCallDueAt(at("2026-11-23T14:30:00Z"), { ...t, staffZone: "America/Los_Angeles" })).toBe(at("2026-11-23T16:00:00Z"));
  });

  test("non-urgent: the agency's next opening, then the staff phone's calling hours on top", () => {
    const t = { urgent: false, windows, agencyZone: NY, staffZone: NY };
    expect(staffCallDueAt(at("2026-11-21T15:00:00Z"), t)).toBe(at("2026-11-23T14:00:00Z"));
    // Agency opens 07:00 New York; the staff phone in Los Angeles may ring from 08:00 there (11:00 New York).
    const early = parseWindows(["Mon-Fri 07:00-12:00"]);
    expect(staffCallDueAt(at("2026-11-23T11:00:00Z"), { ...t, windows: early, staffZone: "America/Los_Angeles" })).toBe(at("2026-11-23T16:00:00Z"));
    // Windows that never meet the staff phone's hours: calling hours still hold.
    const night = parseWindows(["Mon-Sun 02:00-04:00"]);
    const due = staffCallDueAt(at("2026-11-23T15:00:00Z"), { ...t, windows: night });
    expect(due).toBe(at("2026-11-23T15:00:00Z"));
  });
});

/** Availability across zones: DST weeks, a skipped midnight, half-hour zones, offers and labels in the prospect's zone. */
import { describe, expect, test } from "vitest";
import {
  evaluateSlot,
  freeSlots,
  gridSlots,
  parseIsoInstant,
  parseWindows,
  recommendSlots,
  slotLabel,
  toZonedIso,
} from "../../convex/model/scheduling/availability";
import { HOUR, NY, rules, utc, utcList } from "../helpers/scheduling";

describe("DST weeks in America/New_York", () => {
  const daily = rules(["Mon-Sun 10:00-11:00"], { horizonDays: 4 });

  test("spring forward (2026-03-08): each date uses its own offset", () => {
    const now = utc("2026-03-07T05:00:00Z"); // Sat 00:00 EST
    expect(freeSlots(daily, now, [])).toEqual(
      utcList(
        "2026-03-07T15:00:00Z", // Sat 10:00 EST (-5)
        "2026-03-07T15:30:00Z",
        "2026-03-08T14:00:00Z", // Sun 10:00 EDT (-4), the day of the change
        "2026-03-08T14:30:00Z",
        "2026-03-09T14:00:00Z",
        "2026-03-09T14:30:00Z",
        "2026-03-10T14:00:00Z",
        "2026-03-10T14:30:00Z",
      ),
    );
  });

  test("fall back (2026-11-01): each date uses its own offset", () => {
    const now = utc("2026-10-31T04:00:00Z"); // Sat 00:00 EDT
    expect(freeSlots(daily, now, [])).toEqual(
      utcList(
        "2026-10-31T14:00:00Z", // Sat 10:00 EDT (-4)
        "2026-10-31T14:30:00Z",
        "2026-11-01T15:00:00Z", // Sun 10:00 EST (-5), the day of the change
        "2026-11-01T15:30:00Z",
        "2026-11-02T15:00:00Z",
        "2026-11-02T15:30:00Z",
        "2026-11-03T15:00:00Z",
        "2026-11-03T15:30:00Z",
      ),
    );
  });

  test("the neighbouring date's offset, one hour off, is outside availability", () => {
    const spring = utc("2026-03-07T05:00:00Z");
    // 10:00 at the other side's offset: Sun 11:00 EDT, Sat 09:00 EST.
    for (const iso of ["2026-03-08T15:00:00Z", "2026-03-07T14:00:00Z"]) {
      expect(evaluateSlot(daily, utc(iso), spring, [])).toEqual({ ok: false, reason: "outside_availability" });
    }
    const fall = utc("2026-10-31T04:00:00Z");
    for (const iso of ["2026-11-01T14:00:00Z", "2026-10-31T15:00:00Z"]) {
      expect(evaluateSlot(daily, utc(iso), fall, [])).toEqual({ ok: false, reason: "outside_availability" });
    }
  });

  test("a window spanning the 02:00 jump skips the missing hour and fits meetings in real time", () => {
    const day = utc("2026-03-08T05:00:00Z"); // Sun 00:00 EST
    const win = ["Sun 01:00-04:00"];
    // 01:00 and 01:30 EST, then 03:00 and 03:30 EDT: nothing at the non-existent 02:xx.
    expect(gridSlots(rules(win), day, day)).toEqual(
      utcList("2026-03-08T06:00:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"),
    );
    // Three wall hours are two real ones: a 60-minute meeting starting 03:30 EDT would end 04:30.
    expect(gridSlots(rules(win, { meetingDurationMinutes: 60 }), day, day)).toEqual(
      utcList("2026-03-08T06:00:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z"),
    );
    expect(gridSlots(rules(win, { meetingDurationMinutes: 150 }), day, day)).toEqual([]);
  });

  test("a window starting inside the missing hour starts at the jump", () => {
    const day = utc("2026-03-08T05:00:00Z");
    expect(gridSlots(rules(["Sun 02:30-04:00"]), day, day)).toEqual(
      utcList("2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"), // 03:00 and 03:30 EDT
    );
  });

  test("a window ending inside the missing hour ends at the jump", () => {
    const day = utc("2026-03-08T05:00:00Z");
    const slots = gridSlots(rules(["Sun 00:00-02:30"], { slotIntervalMinutes: 15 }), day, day);
    // The last meeting ends at 07:00Z (02:00 EST = 03:00 EDT); 01:45 EST would run to 03:15 EDT.
    expect(slots.at(-1)).toBe(utc("2026-03-08T06:30:00Z"));
    expect(slots).toHaveLength(7); // 00:00 .. 01:30 EST every 15 minutes
  });

  test("a window spanning the fall-back hour stays on the local grid and inside the window", () => {
    const day = utc("2026-11-01T04:00:00Z"); // Sun 00:00 EDT
    const r = rules(["Sun 00:00-03:00"], { slotIntervalMinutes: 60, meetingDurationMinutes: 60 });
    const slots = gridSlots(r, day, day);
    expect(slots).toContain(utc("2026-11-01T04:00:00Z")); // 00:00 EDT
    expect(slots).toContain(utc("2026-11-01T07:00:00Z")); // 02:00 EST
    expect(slots).not.toContain(utc("2026-11-01T08:00:00Z")); // 03:00 EST is the window end
    for (const s of slots) {
      expect(new Date(s).getUTCMinutes()).toBe(0);
      expect(s + HOUR).toBeLessThanOrEqual(utc("2026-11-01T08:00:00Z"));
    }
  });
});

describe("a zone whose midnight is skipped (America/Santiago, 2026-09-06)", () => {
  const SCL = "America/Santiago";

  test("the last date of the range is not lost after the skipped midnight", () => {
    const r = rules(["Mon-Sun 10:00-11:00"], { timeZone: SCL, meetingDurationMinutes: 60, slotIntervalMinutes: 60 });
    expect(gridSlots(r, utc("2026-09-05T16:00:00Z"), utc("2026-09-09T16:00:00Z"))).toEqual(
      utcList(
        "2026-09-05T14:00:00Z", // Sat 10:00 -04
        "2026-09-06T13:00:00Z", // Sun 10:00 -03
        "2026-09-07T13:00:00Z",
        "2026-09-08T13:00:00Z",
        "2026-09-09T13:00:00Z",
      ),
    );
  });

  test("24:00 on the day of the change is the next midnight, not 01:00", () => {
    const r = rules(["Sun 22:00-24:00"], { timeZone: SCL, meetingDurationMinutes: 60 });
    const day = utc("2026-09-06T12:00:00Z");
    expect(gridSlots(r, day, day)).toEqual(
      utcList("2026-09-07T01:00:00Z", "2026-09-07T01:30:00Z", "2026-09-07T02:00:00Z"), // ends by Mon 00:00 -03
    );
  });

  test("listing and booking agree across the whole horizon", () => {
    const r = rules(["Mon-Sun 10:00-11:00"], { timeZone: SCL, horizonDays: 7 });
    const now = utc("2026-09-02T16:00:00Z"); // Wed 12:00 -04
    const free = freeSlots(r, now, []);
    expect(free).toContain(utc("2026-09-09T13:30:00Z")); // Wed 10:30 -03, the last day
    const probe = gridSlots(r, now - 2 * 24 * HOUR, now + 9 * 24 * HOUR);
    for (const s of probe) expect(evaluateSlot(r, s, now, []).ok).toBe(free.includes(s));
  });
});

describe("half-hour and quarter-hour zones: the grid is aligned in local time", () => {
  test("Asia/Kolkata (+05:30)", () => {
    const r = rules(["Mon 09:00-11:00"], { timeZone: "Asia/Kolkata", slotIntervalMinutes: 60, meetingDurationMinutes: 60 });
    const now = utc("2026-03-08T00:00:00Z");
    expect(freeSlots(r, now, [])).toEqual(utcList("2026-03-09T03:30:00Z", "2026-03-09T04:30:00Z"));
  });

  test("Asia/Kathmandu (+05:45)", () => {
    const r = rules(["Mon 09:10-10:00"], { timeZone: "Asia/Kathmandu", slotIntervalMinutes: 15 });
    const now = utc("2026-03-08T00:00:00Z");
    // 09:15 and 09:30 local; 09:10 is off the grid and 09:45 would end after 10:00.
    expect(freeSlots(r, now, [])).toEqual(utcList("2026-03-09T03:30:00Z", "2026-03-09T03:45:00Z"));
    const hourly = { ...r, windows: parseWindows(["Mon 09:00-10:00"]), slotIntervalMinutes: 30 };
    expect(freeSlots(hourly, now, [])).toEqual(utcList("2026-03-09T03:15:00Z", "2026-03-09T03:45:00Z"));
    expect(toZonedIso(utc("2026-03-09T03:15:00Z"), "Asia/Kathmandu")).toBe("2026-03-09T09:00:00+05:45");
  });
});

describe("recommendSlots", () => {
  const hourOf = (ms: number) => Number(toZonedIso(ms, NY).slice(11, 13));
  const dateOf = (ms: number) => toZonedIso(ms, NY).slice(0, 10);

  test("4 slots on different days, mixing mornings and afternoons", () => {
    const r = rules(["Mon-Fri 09:00-17:00"], { slotIntervalMinutes: 15, minNoticeMinutes: 120 });
    const slots = freeSlots(r, utc("2026-03-09T12:00:00Z"), []);
    const picked = recommendSlots(slots, NY);
    expect(picked).toHaveLength(4);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    for (const p of picked) expect(slots).toContain(p);
    expect(new Set(picked.map(dateOf)).size).toBe(4);
    expect(picked.some((p) => hourOf(p) < 12)).toBe(true);
    expect(picked.some((p) => hourOf(p) >= 12)).toBe(true);
    expect(recommendSlots(slots, NY, 3)).toHaveLength(3);
  });

  test("one available day: slots at least two hours apart, morning and afternoon", () => {
    const r = rules(["Tue 09:00-17:00"]);
    const slots = freeSlots(r, utc("2026-03-09T12:00:00Z"), []);
    const picked = recommendSlots(slots, NY);
    expect(picked.length).toBeGreaterThanOrEqual(3);
    expect(picked.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < picked.length; i++) expect(picked[i] - picked[i - 1]).toBeGreaterThanOrEqual(2 * HOUR);
    expect(picked.some((p) => hourOf(p) < 12)).toBe(true);
    expect(picked.some((p) => hourOf(p) >= 12)).toBe(true);
  });

  test("fewer slots than asked: all of them", () => {
    const slots = utcList("2026-03-10T14:00:00Z", "2026-03-11T18:00:00Z");
    expect(recommendSlots(slots, NY)).toEqual(slots);
  });
});

describe("labels and ISO strings", () => {
  const tue1030 = utc("2026-03-10T14:30:00Z");

  test("in the agency zone with that date's abbreviation", () => {
    expect(slotLabel(tue1030, NY)).toBe("Tue, Mar 10, 10:30 AM EDT");
    expect(slotLabel(utc("2026-03-06T15:30:00Z"), NY)).toBe("Fri, Mar 6, 10:30 AM EST");
  });

  test("in the prospect's zone first when it differs, agency time alongside", () => {
    expect(slotLabel(tue1030, NY, "America/Los_Angeles")).toBe(
      "Tue, Mar 10, 7:30 AM PDT (Tue, Mar 10, 10:30 AM EDT agency time)",
    );
    expect(slotLabel(utc("2026-03-10T16:00:00Z"), NY, "Asia/Kolkata")).toMatch(
      /^Tue, Mar 10, 9:30 PM .*\(Tue, Mar 10, 12:00 PM EDT agency time\)$/,
    );
    expect(slotLabel(utc("2026-03-10T16:00:00Z"), NY, "Asia/Tokyo")).toMatch(/^Wed, Mar 11, 1:00 AM /);
  });

  test("only once when the prospect's zone reads the same", () => {
    expect(slotLabel(tue1030, NY, NY)).toBe("Tue, Mar 10, 10:30 AM EDT");
    expect(slotLabel(tue1030, NY, "America/Detroit")).toBe("Tue, Mar 10, 10:30 AM EDT");
  });

  test("toZonedIso carries the date's own offset", () => {
    expect(toZonedIso(tue1030, NY)).toBe("2026-03-10T10:30:00-04:00");
    expect(toZonedIso(utc("2026-03-06T15:30:00Z"), NY)).toBe("2026-03-06T10:30:00-05:00");
    expect(toZonedIso(tue1030, "Asia/Kolkata")).toBe("2026-03-10T20:00:00+05:30");
  });
});

describe("parseIsoInstant", () => {
  const instant = utc("2026-03-10T14:30:00Z");

  test.each([
    "2026-03-10T14:30:00Z",
    "2026-03-10T14:30:00.000Z",
    "2026-03-10T10:30:00-04:00",
    "2026-03-10T10:30:00-0400",
    "2026-03-10T09:30:00-05:00",
    "2026-03-10T20:00:00+05:30",
    "2026-03-10T20:15:00+05:45",
    " 2026-03-10T15:30:00+01:00 ",
  ])("%s is the same instant", (iso) => {
    expect(parseIsoInstant(iso)).toBe(instant);
  });

  test("round-trips toZonedIso", () => {
    for (const zone of [NY, "Asia/Kathmandu", "UTC"]) expect(parseIsoInstant(toZonedIso(instant, zone))).toBe(instant);
  });

  test.each(["2026-03-10T10:30:00", "2026-03-10T10:30", "2026-03-10", "Tuesday 10:30 AM", "", "2026-13-10T10:30:00Z", "2026-03-10T25:00:00Z", "not-a-date-04:00"])(
    "%j is refused",
    (iso) => {
      expect(parseIsoInstant(iso)).toBeNull();
    },
  );
});

import { describe, expect, test } from "vitest";
import {
  AvailabilityError,
  busyReadRange,
  evaluateSlot,
  formatWindow,
  freeSlots,
  gridSlots,
  MAX_MEETING_MINUTES,
  MINUTE,
  overlapsMeeting,
  parseIsoInstant,
  parseWindow,
  parseWindows,
  recommendSlots,
  slotLabel,
  toZonedIso,
  type BusyMeeting,
  type SchedulingRules,
} from "../../convex/model/scheduling/availability";

/** Expected instants are written in UTC by hand, so they never reuse the engine's own zone math. */
const utc = (iso: string) => Date.parse(iso);
const utcList = (...isos: string[]) => isos.map(utc);
const HOUR = 60 * MINUTE;
const NY = "America/New_York";

function rules(availability: string[], over: Partial<SchedulingRules> = {}): SchedulingRules {
  return {
    timeZone: NY,
    windows: parseWindows(availability),
    slotIntervalMinutes: 30,
    meetingDurationMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    horizonDays: 7,
    ...over,
  };
}

describe("parseWindow", () => {
  test("one weekday in local minutes", () => {
    expect(parseWindow("Tue 10:00-12:00")).toEqual([{ weekday: 2, startMinute: 600, endMinute: 720 }]);
  });

  test("a day range gives one window per day", () => {
    expect(parseWindow("Mon-Fri 09:00-17:00")).toEqual(
      [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinute: 540, endMinute: 1020 })),
    );
  });

  test("a day range wraps over the weekend", () => {
    expect(parseWindow("Fri-Mon 09:00-10:00").map((w) => w.weekday)).toEqual([5, 6, 7, 1]);
  });

  test.each([
    ["tuesday 10:00-12:00", 2],
    ["TUESDAY 10:00-12:00", 2],
    ["tUe 10:00-12:00", 2],
    ["Thurs 10:00-12:00", 4],
    ["Sunday 10:00-12:00", 7],
  ])("full names and any case: %s", (text, weekday) => {
    expect(parseWindow(text)).toEqual([{ weekday, startMinute: 600, endMinute: 720 }]);
  });

  test("tolerates spaces around dashes, one-digit hours and outer whitespace", () => {
    expect(parseWindow("  monday - Wednesday  9:30 - 17:00 ")).toEqual(
      [1, 2, 3].map((weekday) => ({ weekday, startMinute: 570, endMinute: 1020 })),
    );
  });

  test("24:00 ends at midnight", () => {
    expect(parseWindow("Sun 22:00-24:00")).toEqual([{ weekday: 7, startMinute: 1320, endMinute: 1440 }]);
  });

  test.each([
    ["Tue 10-12", /^availability window has a time that is not HH:MM$/],
    ["Tue 10:00", /^availability window is not a window like "Tue 10:00-12:00"/],
    ["Tue10:00-12:00", /is not a window like/],
    ["", /is not a window like/],
    ["10:00-12:00", /is not a window like/],
    ["Tue 10:00-12:00-13:00", /has a time that is not HH:MM/],
    ["Tue 1000-1200", /has a time that is not HH:MM/],
    ["Funday 10:00-12:00", /^availability window has an unknown weekday \(Mon to Sun\)$/],
    ["Mon-Funday 10:00-12:00", /has an unknown weekday/],
    ["Tue 10:60-11:00", /has a time that does not exist/],
    ["Tue 09:00-25:00", /has a time that does not exist/],
    ["Tue 09:00-24:30", /has a time that does not exist/],
    ["Tue 12:00-10:00", /^availability window ends before it starts$/],
    ["Tue 10:00-10:00", /ends before it starts/],
  ])("refuses %j saying why, without echoing it", (text, message) => {
    expect(() => parseWindow(text)).toThrow(AvailabilityError);
    expect(() => parseWindow(text)).toThrow(message);
  });

  test("parseWindows flattens and names the first bad window", () => {
    expect(parseWindows(["Tue 10:00-12:00", "Thu 14:00-15:00"]).map(formatWindow)).toEqual([
      "Tue 10:00-12:00",
      "Thu 14:00-15:00",
    ]);
    expect(() => parseWindows(["Tue 10:00-12:00", "Xyz 10:00-12:00"])).toThrow(/^availability\[1\] has an unknown weekday/);
    expect(parseWindows([])).toEqual([]);
  });

  test("formatWindow writes the canonical form", () => {
    expect(parseWindow("friday 9:05-24:00").map(formatWindow)).toEqual(["Fri 09:05-24:00"]);
  });
});

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

describe("meetings, durations and buffers", () => {
  // Tue 2026-03-10, EDT: 10:00 = 14:00Z.
  const now = utc("2026-03-09T12:00:00Z");
  const tuesday = utcList("2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z", "2026-03-10T15:00:00Z", "2026-03-10T15:30:00Z");
  const at = (iso: string, durationMinutes: number): BusyMeeting => ({ start: utc(iso), durationMinutes });

  test("no meetings: every slot whose whole meeting fits", () => {
    expect(freeSlots(rules(["Tue 10:00-12:00"]), now, [])).toEqual(tuesday);
    expect(freeSlots(rules(["Tue 10:00-12:00"], { meetingDurationMinutes: 90 }), now, [])).toEqual(tuesday.slice(0, 2));
  });

  test("a meeting that starts before the window but runs into it blocks the first slot", () => {
    const busy = [at("2026-03-10T13:30:00Z", 60)]; // 09:30-10:30 EDT
    expect(freeSlots(rules(["Tue 10:00-12:00"]), now, busy)).toEqual(tuesday.slice(1));
    expect(evaluateSlot(rules(["Tue 10:00-12:00"]), tuesday[0], now, busy)).toEqual({ ok: false, reason: "conflict" });
  });

  test("a long meeting blocks every slot it covers, by its own duration", () => {
    const busy = [at("2026-03-10T14:15:00Z", 75)]; // 10:15-11:30
    expect(freeSlots(rules(["Tue 10:00-12:00"]), now, busy)).toEqual([tuesday[3]]);
  });

  test("touching meetings are allowed without a buffer", () => {
    const busy = [at("2026-03-10T15:00:00Z", 30)]; // 11:00-11:30
    expect(freeSlots(rules(["Tue 10:00-12:00"]), now, busy)).toEqual([tuesday[0], tuesday[1], tuesday[3]]);
  });

  test("a buffer blocks [start - buffer, end + buffer)", () => {
    const busy = [at("2026-03-10T15:00:00Z", 30)]; // 11:00-11:30, blocked 10:45-11:45
    expect(freeSlots(rules(["Tue 10:00-12:00"], { bufferMinutes: 15 }), now, busy)).toEqual([tuesday[0]]);
    // With 30 minutes of buffer the slots ending at 10:30 and starting at 12:00 just touch it.
    const wide = rules(["Tue 10:00-13:00"], { bufferMinutes: 30 });
    expect(freeSlots(wide, now, busy)).toEqual(utcList("2026-03-10T14:00:00Z", "2026-03-10T16:00:00Z", "2026-03-10T16:30:00Z"));
  });

  test("overlapsMeeting edges, to the minute", () => {
    const r = rules(["Tue 10:00-12:00"], { bufferMinutes: 10 });
    const m = at("2026-03-10T15:00:00Z", 30); // blocked [14:50Z, 15:40Z)
    expect(overlapsMeeting(utc("2026-03-10T14:20:00Z"), r, m)).toBe(false); // ends 14:50
    expect(overlapsMeeting(utc("2026-03-10T14:21:00Z"), r, m)).toBe(true);
    expect(overlapsMeeting(utc("2026-03-10T15:40:00Z"), r, m)).toBe(false);
    expect(overlapsMeeting(utc("2026-03-10T15:39:00Z"), r, m)).toBe(true);
  });

  test("only meetings of the slot's own time count", () => {
    const busy = [at("2026-03-03T14:00:00Z", 30), at("2026-03-11T14:00:00Z", 30)]; // other days
    expect(freeSlots(rules(["Tue 10:00-12:00"]), now, busy)).toEqual(tuesday);
  });
});

describe("minimum notice and horizon", () => {
  const tue = rules(["Tue 10:00-12:00"]);

  test("a slot exactly at now + notice is allowed; one minute later notice refuses it", () => {
    const now = utc("2026-03-10T11:00:00Z"); // Tue 07:00 EDT
    expect(evaluateSlot({ ...tue, minNoticeMinutes: 180 }, utc("2026-03-10T14:00:00Z"), now, [])).toEqual({ ok: true });
    expect(evaluateSlot({ ...tue, minNoticeMinutes: 181 }, utc("2026-03-10T14:00:00Z"), now, [])).toEqual({
      ok: false,
      reason: "too_soon",
    });
    expect(freeSlots({ ...tue, minNoticeMinutes: 181 }, now, [])[0]).toBe(utc("2026-03-10T14:30:00Z"));
  });

  test("past slots are too soon", () => {
    const now = utc("2026-03-10T16:00:00Z");
    expect(evaluateSlot(tue, utc("2026-03-10T14:00:00Z"), now, [])).toEqual({ ok: false, reason: "too_soon" });
  });

  test("the horizon ends horizonDays after now; later slots are beyond it", () => {
    const now = utc("2026-03-10T14:45:00Z"); // Tue 10:45 EDT
    expect(freeSlots(tue, now, [])).toEqual(
      utcList("2026-03-10T15:00:00Z", "2026-03-10T15:30:00Z", "2026-03-17T14:00:00Z", "2026-03-17T14:30:00Z"),
    );
    expect(evaluateSlot(tue, utc("2026-03-17T15:00:00Z"), now, [])).toEqual({ ok: false, reason: "beyond_horizon" });
    expect(freeSlots({ ...tue, horizonDays: 1 }, now, [])).toHaveLength(2);
  });

  test("a slot exactly at the horizon end is beyond it", () => {
    const now = utc("2026-03-10T14:00:00Z"); // Tue 10:00 EDT; the horizon ends Tue 17th 10:00 EDT
    expect(evaluateSlot(tue, utc("2026-03-17T14:00:00Z"), now, [])).toEqual({ ok: false, reason: "beyond_horizon" });
    expect(freeSlots(tue, now, []).at(-1)).toBe(utc("2026-03-10T15:30:00Z"));
  });

  test("empty availability gives no slots and refuses any time", () => {
    const none = rules([]);
    const now = utc("2026-03-09T12:00:00Z");
    expect(freeSlots(none, now, [])).toEqual([]);
    expect(evaluateSlot(none, utc("2026-03-10T14:00:00Z"), now, [])).toEqual({ ok: false, reason: "outside_availability" });
    expect(recommendSlots([], NY)).toEqual([]);
  });
});

describe("busyReadRange", () => {
  const r = rules(["Mon-Fri 09:00-17:00"], { bufferMinutes: 15, minNoticeMinutes: 120, meetingDurationMinutes: 45 });
  const now = utc("2026-03-09T12:00:00Z");
  const range = busyReadRange(r, now);
  const earliest = now + 120 * MINUTE;

  test("is bounded by the horizon, widened by the longest meeting and the buffer", () => {
    expect(range.start).toBe(earliest - (MAX_MEETING_MINUTES + 15) * MINUTE);
    expect(range.end).toBe(utc("2026-03-16T12:00:00Z") + (45 + 15) * MINUTE);
  });

  test("a meeting starting before it cannot block the earliest slot; one inside it can", () => {
    const longest = (start: number): BusyMeeting => ({ start, durationMinutes: MAX_MEETING_MINUTES });
    expect(overlapsMeeting(earliest, r, longest(range.start - MINUTE))).toBe(false);
    expect(overlapsMeeting(earliest, r, longest(range.start + MINUTE))).toBe(true);
  });

  test("a meeting starting at its end cannot block the latest possible slot; one just before can", () => {
    const latest = utc("2026-03-16T12:00:00Z") - 1; // slots start before the horizon end
    expect(overlapsMeeting(latest, r, { start: range.end, durationMinutes: 30 })).toBe(false);
    expect(overlapsMeeting(latest, r, { start: range.end - MINUTE, durationMinutes: 30 })).toBe(true);
  });
});

describe("evaluateSlot agrees with freeSlots", () => {
  const r = rules(["Mon-Fri 09:00-17:00", "Sat 10:00-12:00"], {
    slotIntervalMinutes: 15,
    meetingDurationMinutes: 45,
    bufferMinutes: 10,
    minNoticeMinutes: 120,
  });
  const now = utc("2026-03-05T15:07:00Z"); // Thu before the spring-forward week
  const busy: BusyMeeting[] = [
    { start: utc("2026-03-06T15:00:00Z"), durationMinutes: 60 },
    { start: utc("2026-03-09T18:20:00Z"), durationMinutes: 25 },
    { start: utc("2026-03-10T12:30:00Z"), durationMinutes: 120 },
  ];
  const free = freeSlots(r, now, busy);

  test("every free slot evaluates ok, and nothing else on the grid does", { timeout: 60_000 }, () => {
    expect(free.length).toBeGreaterThan(100);
    for (const s of free) expect(evaluateSlot(r, s, now, busy)).toEqual({ ok: true });
    for (const s of gridSlots(r, now - 24 * HOUR, now + 9 * 24 * HOUR)) {
      if (!free.includes(s)) expect(evaluateSlot(r, s, now, busy).ok).toBe(false);
    }
  });

  test("off-grid times and times outside the windows are outside availability", () => {
    const s = free[10];
    for (const t of [s + 5 * MINUTE, s + 1, s - 7 * MINUTE]) {
      expect(evaluateSlot(r, t, now, busy)).toEqual({ ok: false, reason: "outside_availability" });
    }
    expect(evaluateSlot(r, utc("2026-03-09T13:00:00Z"), now, busy)).toEqual({ ok: true }); // Mon 09:00 EDT
    for (const iso of [
      "2026-03-09T12:45:00Z", // Mon 08:45 EDT, before the window
      "2026-03-09T21:00:00Z", // Mon 17:00 EDT, after it
      "2026-03-09T20:30:00Z", // Mon 16:30 EDT: 45 minutes would end after 17:00
      "2026-03-08T15:00:00Z", // Sunday
    ]) {
      expect(evaluateSlot(r, utc(iso), now, busy)).toEqual({ ok: false, reason: "outside_availability" });
    }
  });

  test("blocked grid slots say why", () => {
    expect(evaluateSlot(r, utc("2026-03-06T15:00:00Z"), now, busy)).toEqual({ ok: false, reason: "conflict" });
    expect(evaluateSlot(r, utc("2026-03-05T15:00:00Z"), now, busy)).toEqual({ ok: false, reason: "too_soon" });
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

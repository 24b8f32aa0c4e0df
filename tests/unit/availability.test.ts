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
  parseWindow,
  parseWindows,
  recommendSlots,
  type BusyMeeting,
} from "../../convex/model/scheduling/availability";
import { HOUR, NY, rules, utc, utcList } from "../helpers/scheduling";

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

describe("meetings, durations and buffers", () => {
  // Tue 2026-03-10, EDT: 10:00 = 14:00Z.
  const now = utc("2026-03-09T12:00:00Z");
  const tuesday = utcList("2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z", "2026-03-10T15:00:00Z", "2026-03-10T15:30:00Z");
  const at = (iso: string, durationMinutes: number): BusyMeeting => ({ start: utc(iso), end: utc(iso) + durationMinutes * MINUTE });

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
    const longest = (start: number): BusyMeeting => ({ start, end: start + MAX_MEETING_MINUTES * MINUTE });
    expect(overlapsMeeting(earliest, r, longest(range.start - MINUTE))).toBe(false);
    expect(overlapsMeeting(earliest, r, longest(range.start + MINUTE))).toBe(true);
  });

  test("a meeting starting at its end cannot block the latest possible slot; one just before can", () => {
    const latest = utc("2026-03-16T12:00:00Z") - 1; // slots start before the horizon end
    expect(overlapsMeeting(latest, r, { start: range.end, end: range.end + 30 * MINUTE })).toBe(false);
    expect(overlapsMeeting(latest, r, { start: range.end - MINUTE, end: range.end + 29 * MINUTE })).toBe(true);
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
    { start: utc("2026-03-06T15:00:00Z"), end: utc("2026-03-06T15:00:00Z") + 60 * MINUTE },
    { start: utc("2026-03-09T18:20:00Z"), end: utc("2026-03-09T18:20:00Z") + 25 * MINUTE },
    { start: utc("2026-03-10T12:30:00Z"), end: utc("2026-03-10T12:30:00Z") + 120 * MINUTE },
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

/** Calendar busy blocks join the booked meetings as busy times: the merge rule and its effect on the one slot rule. */
import { beforeEach, describe, expect, test, vi } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { evaluateSlot, freeSlots, gridSlots, horizonEnd, MINUTE, type BusyMeeting } from "../../../convex/model/scheduling/availability";
import { busyTimes } from "../../../convex/model/scheduling/schedule";
import { HOUR, rules, utc, utcList } from "../../helpers/scheduling";

const meetingId = (n: number) => `m${n}` as Id<"meetings">;
const meeting = (n: number, iso: string, durationMinutes: number, status: "booked" | "cancelled" = "booked") => ({
  _id: meetingId(n),
  meetingTime: utc(iso),
  durationMinutes,
  status,
});
const block = (startIso: string, endIso: string) => ({ start: utc(startIso), end: utc(endIso) });

describe("busyTimes", () => {
  const range = { start: utc("2026-03-10T00:00:00Z"), end: utc("2026-03-11T00:00:00Z") };

  test("booked meetings become [start, start + duration); cancelled ones and the one being moved drop out", () => {
    const meetings = [
      meeting(1, "2026-03-10T14:00:00Z", 30),
      meeting(2, "2026-03-10T15:00:00Z", 45, "cancelled"),
      meeting(3, "2026-03-10T16:00:00Z", 60),
    ];
    expect(busyTimes(meetings, [], range)).toEqual([
      { start: utc("2026-03-10T14:00:00Z"), end: utc("2026-03-10T14:30:00Z") },
      { start: utc("2026-03-10T16:00:00Z"), end: utc("2026-03-10T17:00:00Z") },
    ]);
    expect(busyTimes(meetings, [], range, meetingId(3))).toEqual([{ start: utc("2026-03-10T14:00:00Z"), end: utc("2026-03-10T14:30:00Z") }]);
  });

  test("calendar blocks join the meetings as they are, whoever is being moved", () => {
    const busy = busyTimes([meeting(1, "2026-03-10T14:00:00Z", 30)], [block("2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z")], range, meetingId(1));
    expect(busy).toEqual([{ start: utc("2026-03-10T14:00:00Z"), end: utc("2026-03-10T14:30:00Z") }]);
  });

  test("only blocks overlapping the range count: touching its edges is not overlapping", () => {
    const blocks = [
      block("2026-03-09T20:00:00Z", "2026-03-10T00:00:00Z"), // ends at the range start
      block("2026-03-09T20:00:00Z", "2026-03-10T00:00:01Z"), // runs one second into it
      block("2026-03-11T00:00:00Z", "2026-03-11T02:00:00Z"), // starts at the range end
      block("2026-03-10T23:59:59Z", "2026-03-11T02:00:00Z"), // starts one second before it
      block("2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z"), // covers all of it
    ];
    expect(busyTimes([], blocks, range)).toEqual([blocks[1], blocks[3], blocks[4]]);
  });
});

describe("a busy block blocks slots as a meeting over the same time does", () => {
  // Tue 10 March 2026, New York (EDT, UTC-4): 09:00-12:00 every 15 minutes, 30-minute meetings.
  const r = rules(["Tue 09:00-12:00"], { slotIntervalMinutes: 15 });
  const now = utc("2026-03-09T12:00:00Z");
  const tuesday = (...hhmm: string[]) => utcList(...hhmm.map((t) => `2026-03-10T${t}:00-04:00`));
  const ALL = tuesday("09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30");
  const without = (removed: number[]) => ALL.filter((s) => !removed.includes(s));

  test("the grid without blocks", () => {
    expect(freeSlots(r, now, [])).toEqual(ALL);
  });

  test("a block removes exactly the slots overlapping it; slots touching its edges stay", () => {
    const busy = busyTimes([], [block("2026-03-10T10:00:00-04:00", "2026-03-10T10:45:00-04:00")], { start: 0, end: Infinity });
    expect(freeSlots(r, now, busy)).toEqual(without(tuesday("09:45", "10:00", "10:15", "10:30")));
  });

  test("a block off the minute grid blocks every slot it reaches into", () => {
    const busy = [block("2026-03-10T10:07:30-04:00", "2026-03-10T10:15:00.001-04:00")];
    expect(freeSlots(r, now, busy)).toEqual(without(tuesday("09:45", "10:00", "10:15")));
  });

  test("the buffer applies around blocks as around meetings", () => {
    const buffered = { ...r, bufferMinutes: 10 };
    const asBlock = busyTimes([], [block("2026-03-10T10:00:00-04:00", "2026-03-10T10:30:00-04:00")], { start: 0, end: Infinity });
    const asMeeting = busyTimes([meeting(1, "2026-03-10T10:00:00-04:00", 30)], [], { start: 0, end: Infinity });
    // Blocked 09:50-10:40.
    const expected = without(tuesday("09:30", "09:45", "10:00", "10:15", "10:30"));
    expect(freeSlots(buffered, now, asBlock)).toEqual(expected);
    expect(freeSlots(buffered, now, asMeeting)).toEqual(expected);
    expect(evaluateSlot(buffered, tuesday("10:30")[0], now, asBlock)).toEqual({ ok: false, reason: "conflict" });
    expect(evaluateSlot(buffered, tuesday("10:45")[0], now, asBlock)).toEqual({ ok: true });
  });

  test("a block longer than the day, starting the day before, blocks every slot", () => {
    expect(freeSlots(r, now, [block("2026-03-09T20:00:00Z", "2026-03-11T01:00:00Z")])).toEqual([]);
  });
});

describe("busy blocks across the New York fall-back (Sun 1 Nov 2026, 02:00 EDT -> 01:00 EST)", () => {
  // Sunday 00:00-04:00 local is five hours that night. Which of the two instants the grid's 01:00 and 01:30
  // are follows the clock's present offset (Luxon's guess for a repeated wall time): pinned in EDT here.
  const r = rules(["Sun 00:00-04:00"]);
  const now = utc("2026-10-29T12:00:00Z");
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(now);
  });
  const night = utcList(
    "2026-11-01T04:00:00Z", // 00:00 EDT
    "2026-11-01T04:30:00Z",
    "2026-11-01T05:00:00Z", // 01:00 EDT
    "2026-11-01T05:30:00Z",
    "2026-11-01T07:00:00Z", // 02:00 EST
    "2026-11-01T07:30:00Z",
    "2026-11-01T08:00:00Z",
    "2026-11-01T08:30:00Z", // 03:30 EST
  );
  const taking = (...isos: string[]) => night.filter((s) => !utcList(...isos).includes(s));

  test("a block from 01:15 EDT to 01:15 EST is an hour, not nothing: it takes the slots of that hour", () => {
    expect(freeSlots(r, now, [])).toEqual(night);
    const busy = [block("2026-11-01T01:15:00-04:00", "2026-11-01T01:15:00-05:00")];
    expect(freeSlots(r, now, busy)).toEqual(taking("2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z"));
  });

  test("a block from 01:45 to 02:15 EST takes only the 02:00 EST slot: the 01:30 EDT one ended an hour before it", () => {
    const busy = [block("2026-11-01T01:45:00-05:00", "2026-11-01T02:15:00-05:00")];
    expect(freeSlots(r, now, busy)).toEqual(taking("2026-11-01T07:00:00Z"));
  });
});

describe("freeSlots over hundreds of overlapping blocks", () => {
  test("agrees slot by slot with the plain overlap of every block, buffer included", () => {
    // 600 blocks of 1 minute to 3 days, overlapping freely, over a 14-day horizon on a 5-minute grid.
    const r = rules(["Mon-Sun 06:00-22:00"], { slotIntervalMinutes: 5, bufferMinutes: 7, horizonDays: 14 });
    const now = utc("2026-10-26T12:00:00Z"); // the horizon spans the New York fall-back
    let seed = 42;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const busy: BusyMeeting[] = Array.from({ length: 600 }, (_, i) => {
      const start = now - 2 * 24 * HOUR + Math.floor(random() * 18 * 24 * HOUR);
      const length = i % 50 === 0 ? Math.floor(random() * 3 * 24 * HOUR) : MINUTE + Math.floor(random() * 2 * HOUR);
      return { start, end: start + length };
    });
    const buffer = 7 * MINUTE;
    const duration = 30 * MINUTE;
    const free = freeSlots(r, now, busy);
    const end = horizonEnd(r, now);
    const candidates = gridSlots(r, now, end).filter((s) => s >= now && s < end);
    const expected = candidates.filter((s) => !busy.some((b) => b.start - buffer < s + duration && b.end + buffer > s));
    expect(free.length).toBeGreaterThan(50);
    expect(free.length).toBeLessThan(candidates.length / 2);
    expect(free).toEqual(expected);
  });
});

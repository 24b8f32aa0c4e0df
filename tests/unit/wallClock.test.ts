/** Times as said (model/wallClock.ts), evidence of agreement and waking-hour offers, without a backend. */
import { describe, expect, test } from "vitest";
import { DateTime } from "luxon";
import { agreementQuoted, quotedFromOneLine } from "../../convex/model/analysis/evidence";
import { summariseGrid } from "../../convex/model/analysis/messages";
import { evaluateSlot, freeSlots, parseWindows, recommendSlots, type SchedulingRules } from "../../convex/model/scheduling/availability";
import type { TranscriptMessage } from "../../convex/model/providers/vapiMessages";
import { readIsoTime, readWallTime, rememberOffered, wallClockInstant } from "../../convex/model/scheduling/wallClock";

const NY = "America/New_York";
const LONDON = "Europe/London";
const ny = { agencyZone: NY, prospectZone: NY };
const always = () => true;

describe("readIsoTime: a written offset stands only when it is the zone's own on that date", () => {
  test("New York fall-back week: 2 PM on Nov 3 written with October's -04:00 is 14:00 EST, never 13:00 EST", () => {
    expect(readIsoTime("2026-11-03T14:00:00-04:00", ny, always)).toEqual({ ok: true, start: Date.parse("2026-11-03T19:00:00Z") });
  });

  test("New York spring-forward week: 2 PM on Mar 10 written with -05:00 is 14:00 EDT", () => {
    expect(readIsoTime("2026-03-10T14:00:00-05:00", ny, always)).toEqual({ ok: true, start: Date.parse("2026-03-10T18:00:00Z") });
  });

  test("London fall-back week: 2 PM on Oct 27 written with +01:00 is 14:00 GMT", () => {
    const london = { agencyZone: LONDON, prospectZone: LONDON };
    expect(readIsoTime("2026-10-27T14:00:00+01:00", london, always)).toEqual({ ok: true, start: Date.parse("2026-10-27T14:00:00Z") });
  });

  test('"2 PM Eastern" written as 14:00Z is 2 PM Eastern', () => {
    expect(readIsoTime("2026-11-24T14:00:00Z", ny, always)).toEqual({ ok: true, start: Date.parse("2026-11-24T19:00:00Z") });
  });

  test("the zone's own offset stands, the prospect's or the agency's, including the repeated fall-back hour", () => {
    const la = { agencyZone: NY, prospectZone: "America/Los_Angeles" };
    expect(readIsoTime("2026-11-24T11:00:00-08:00", la, always)).toEqual({ ok: true, start: Date.parse("2026-11-24T19:00:00Z") });
    expect(readIsoTime("2026-11-24T14:00:00-05:00", la, always)).toEqual({ ok: true, start: Date.parse("2026-11-24T19:00:00Z") });
    // 01:30 happens twice on Nov 1 in New York: both offsets are New York's own.
    expect(readIsoTime("2026-11-01T01:30:00-04:00", ny, always)).toEqual({ ok: true, start: Date.parse("2026-11-01T05:30:00Z") });
    expect(readIsoTime("2026-11-01T01:30:00-05:00", ny, always)).toEqual({ ok: true, start: Date.parse("2026-11-01T06:30:00Z") });
  });

  test("ambiguous when reading the wall clock in the agency's zone gives another bookable slot", () => {
    const zones = { agencyZone: NY, prospectZone: LONDON };
    const reading = readIsoTime("2026-11-24T14:00:00+03:00", zones, always);
    expect(reading.ok).toBe(false);
    // Only the prospect's reading is bookable: that is what was said.
    const onlyLondon = (ms: number) => ms === Date.parse("2026-11-24T14:00:00Z");
    expect(readIsoTime("2026-11-24T14:00:00+03:00", zones, onlyLondon)).toEqual({ ok: true, start: Date.parse("2026-11-24T14:00:00Z") });
  });

  test("no offset, or a wall time skipped by the spring-forward jump, is no time", () => {
    expect(readIsoTime("2026-11-24T14:00:00", ny, always)).toMatchObject({ ok: false, reason: expect.stringContaining("not an ISO time with an offset") });
    expect(readIsoTime("2026-03-08T02:30:00Z", ny, always).ok).toBe(false);
  });
});

describe("readWallTime", () => {
  test("date and time said in the prospect's or the agency's zone, each date's own offset", () => {
    const zones = { agencyZone: NY, prospectZone: "Australia/Sydney" };
    expect(readWallTime({ date: "2026-11-03", time: "14:00", zone: "agency" }, zones)).toEqual({ ok: true, start: Date.parse("2026-11-03T19:00:00Z") });
    expect(readWallTime({ date: "2026-11-04", time: "08:30", zone: "prospect" }, zones)).toEqual({ ok: true, start: Date.parse("2026-11-03T21:30:00Z") });
    expect(readWallTime({ date: "2026-03-08", time: "02:30", zone: "agency" }, zones).ok).toBe(false);
    expect(wallClockInstant("2026-02-30", "10:00", NY)).toBeNull();
  });
});

describe("offered slots", () => {
  test("ids continue the call's own, a slot offered before keeps its id, and the list is capped", () => {
    const first = rememberOffered([], [100, 200], 3);
    expect(first).toEqual([{ id: "S1", start: 100 }, { id: "S2", start: 200 }]);
    expect(rememberOffered(first, [200, 300, 400], 3)).toEqual([...first, { id: "S3", start: 300 }]);
  });

  test("evaluateSlot: an offered slot stays bookable past the minimum notice while in the future; others do not", () => {
    const rules: SchedulingRules = {
      timeZone: NY,
      windows: parseWindows(["Mon-Fri 09:00-17:00"]),
      slotIntervalMinutes: 15,
      meetingDurationMinutes: 30,
      bufferMinutes: 0,
      minNoticeMinutes: 120,
      horizonDays: 7,
    };
    const slot = Date.parse("2026-11-23T17:15:00Z"); // Monday 12:15 EST
    const now = slot - 60 * 60_000;
    expect(evaluateSlot(rules, slot, now, [])).toEqual({ ok: false, reason: "too_soon" });
    expect(evaluateSlot(rules, slot, now, [], { offered: true })).toEqual({ ok: true });
    expect(evaluateSlot(rules, slot, slot, [], { offered: true })).toEqual({ ok: false, reason: "too_soon" });
    expect(evaluateSlot(rules, slot, now, [{ start: slot, end: slot + 30 * 60_000 }], { offered: true })).toEqual({ ok: false, reason: "conflict" });
  });
});

describe("recommendSlots: the prospect's waking hours", () => {
  const rules: SchedulingRules = {
    timeZone: NY,
    windows: parseWindows(["Mon-Fri 09:00-17:00"]),
    slotIntervalMinutes: 15,
    meetingDurationMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 120,
    horizonDays: 7,
  };
  const free = freeSlots(rules, Date.parse("2026-11-21T15:00:00Z"), []);

  test.each(["Australia/Sydney", "Asia/Kolkata", "Europe/London", NY])("%s: 08:00-20:00 there, over several days", (zone) => {
    const picked = recommendSlots(free, zone);
    expect(picked.length).toBeGreaterThanOrEqual(3);
    for (const s of picked) {
      const hour = DateTime.fromMillis(s, { zone }).hour;
      expect(hour).toBeGreaterThanOrEqual(8);
      expect(hour).toBeLessThan(20);
    }
    expect(new Set(picked.map((s) => DateTime.fromMillis(s, { zone }).toISODate())).size).toBeGreaterThanOrEqual(3);
  });

  test("only when no waking-hour slot is free are other hours offered", () => {
    const night = free.filter((s) => DateTime.fromMillis(s, { zone: "Asia/Tokyo" }).hour < 8);
    expect(recommendSlots(night, "Asia/Tokyo").length).toBeGreaterThan(0);
  });
});

describe("evidence of agreement", () => {
  const slot = Date.parse("2026-11-24T19:00:00Z"); // Tuesday 2 PM EST
  const said = (...lines: [string, string][]): TranscriptMessage[] =>
    lines.map(([who, text]) => ({ role: who === "AI" ? "assistant" : "user", text }));

  test("a quote from inside a refusal is not agreement (straight or curly apostrophes, or 'doesn't work')", () => {
    for (const line of ["I can't do Tuesday at 2 PM.", "I can’t do Tuesday at 2 PM.", "No, Tuesday at 2 PM doesn't work", "I won't be free Tuesday at 2 PM", "Tuesday at 2 PM is not good"]) {
      expect(agreementQuoted("Tuesday at 2 PM", said(["AI", "How about Tuesday at 2 PM?"], ["User", line]), slot, ny)).toBe(false);
    }
    // A refusal of another time in another clause does not taint the agreement.
    expect(agreementQuoted("Tuesday at 2 PM works", said(["User", "Monday doesn't work, but Tuesday at 2 PM works."]), slot, ny)).toBe(true);
    expect(agreementQuoted("Tuesday at 2 PM, no problem", said(["User", "Tuesday at 2 PM, no problem."]), slot, ny)).toBe(true);
  });

  test("fragments stitched from two lines are not one quote", () => {
    const lines = said(["User", "Tuesday works."], ["AI", "Morning or afternoon?"], ["User", "At 2 PM I guess."]);
    expect(agreementQuoted("Tuesday works... at 2 PM", lines, slot, ny)).toBe(false);
    expect(agreementQuoted("Tuesday works … at 2 PM", lines, slot, ny)).toBe(false);
    expect(quotedFromOneLine("Tuesday works... at 2 PM", lines)).toBe(false);
  });

  test('a bare "Sure" counts only right after the AI named that slot and no other', () => {
    expect(agreementQuoted("Sure", said(["AI", "Shall I book Tuesday, November 24 at 2 PM Eastern?"], ["User", "Sure."]), slot, ny)).toBe(true);
    expect(agreementQuoted("Yes, that works", said(["AI", "So Tuesday at 2:00 p.m.?"], ["User", "Yes, that works."]), slot, ny)).toBe(true);
    expect(agreementQuoted("Sure", said(["AI", "Monday at 10 AM or Tuesday at 2 PM?"], ["User", "Sure."]), slot, ny)).toBe(false);
    expect(agreementQuoted("Sure", said(["AI", "Shall I book Wednesday at 2 PM?"], ["User", "Sure."]), slot, ny)).toBe(false);
    expect(agreementQuoted("Sure", said(["AI", "Could we set up a call?"], ["User", "Sure."]), slot, ny)).toBe(false);
    expect(agreementQuoted("Yes, that one works", said(["AI", "Monday at 10 AM or Tuesday at 2 PM?"], ["User", "Yes, that one works."]), slot, ny)).toBe(false);
    // Just before: not an AI line two lines up.
    expect(agreementQuoted("Sure", said(["AI", "Tuesday at 2 PM?"], ["User", "Let me look."], ["User", "Sure."]), slot, ny)).toBe(false);
  });
});

describe("summariseGrid", () => {
  test("per-day runs in the zone, capped at a number of days", () => {
    const at = (iso: string) => Date.parse(iso);
    const slots = [
      at("2026-11-23T14:00:00Z"), at("2026-11-23T14:15:00Z"), at("2026-11-23T14:30:00Z"), at("2026-11-23T16:00:00Z"),
      at("2026-11-24T14:00:00Z"), at("2026-11-25T14:00:00Z"),
    ];
    expect(summariseGrid(slots, NY, 15)).toBe("Mon 2026-11-23: 09:00-09:30, 11:00\nTue 2026-11-24: 09:00\nWed 2026-11-25: 09:00");
    expect(summariseGrid(slots, NY, 15, 2)).toBe("Mon 2026-11-23: 09:00-09:30, 11:00\nTue 2026-11-24: 09:00\n(later days not listed)");
    expect(summariseGrid([], NY, 15)).toBe("");
  });
});

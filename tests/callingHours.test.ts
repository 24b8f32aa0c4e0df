import { describe, expect, test } from "vitest";
import { DateTime } from "luxon";
import { CALLING_END_HOUR, CALLING_START_HOUR, nextCallingMoment } from "../convex/model/callingHours";

/** Expected instants are written in UTC by hand, so they never reuse the function's own zone math. */
const utc = (iso: string) => Date.parse(iso);
const NY = "America/New_York";
const MINUTE = 60_000;

describe("nextCallingMoment", () => {
  test.each([
    ["08:00 EDT, the first allowed minute", "2026-03-10T12:00:00Z", "2026-03-10T12:00:00Z"],
    ["14:00 EDT", "2026-03-10T18:00:00Z", "2026-03-10T18:00:00Z"],
    ["20:59 EDT, the last allowed minute", "2026-03-11T00:59:00Z", "2026-03-11T00:59:00Z"],
    ["07:59:30 EDT -> 08:00 the same day", "2026-03-10T11:59:30Z", "2026-03-10T12:00:00Z"],
    ["03:00 EDT -> 08:00 the same day", "2026-03-10T07:00:00Z", "2026-03-10T12:00:00Z"],
    ["00:00 EDT -> 08:00 the same day", "2026-03-10T04:00:00Z", "2026-03-10T12:00:00Z"],
    ["21:00 EDT -> 08:00 the next day", "2026-03-11T01:00:00Z", "2026-03-11T12:00:00Z"],
    ["23:30 EDT -> 08:00 the next day", "2026-03-11T03:30:00Z", "2026-03-11T12:00:00Z"],
  ])("New York %s", (_name, at, expected) => {
    expect(nextCallingMoment(utc(at), NY)).toBe(utc(expected));
  });

  test("uses the called person's zone: the same instant is fine in New York, too early in Los Angeles", () => {
    const at = utc("2026-03-10T14:00:00Z"); // 10:00 EDT, 07:00 PDT
    expect(nextCallingMoment(at, NY)).toBe(at);
    expect(nextCallingMoment(at, "America/Los_Angeles")).toBe(utc("2026-03-10T15:00:00Z"));
  });

  test("half-hour zone: 07:30 in Kolkata waits until 08:00 IST", () => {
    expect(nextCallingMoment(utc("2026-03-10T02:00:00Z"), "Asia/Kolkata")).toBe(utc("2026-03-10T02:30:00Z"));
  });

  test("spring forward: a late Saturday call waits until 08:00 EDT on Sunday", () => {
    // Sat 2026-03-07 22:00 EST -> Sun 08:00 EDT (12:00Z, not 13:00Z).
    expect(nextCallingMoment(utc("2026-03-08T03:00:00Z"), NY)).toBe(utc("2026-03-08T12:00:00Z"));
    // Sun 01:30 EST, before the jump -> 08:00 EDT the same day.
    expect(nextCallingMoment(utc("2026-03-08T06:30:00Z"), NY)).toBe(utc("2026-03-08T12:00:00Z"));
  });

  test("fall back: a late Saturday call waits until 08:00 EST on Sunday", () => {
    // Sat 2026-10-31 21:30 EDT -> Sun 08:00 EST (13:00Z, not 12:00Z).
    expect(nextCallingMoment(utc("2026-11-01T01:30:00Z"), NY)).toBe(utc("2026-11-01T13:00:00Z"));
    // Sun 01:30 in the repeated hour (either occurrence) -> 08:00 EST.
    expect(nextCallingMoment(utc("2026-11-01T05:30:00Z"), NY)).toBe(utc("2026-11-01T13:00:00Z"));
    expect(nextCallingMoment(utc("2026-11-01T06:30:00Z"), NY)).toBe(utc("2026-11-01T13:00:00Z"));
  });

  test.each([NY, "America/Los_Angeles", "Asia/Kathmandu", "Europe/London"])(
    "over DST weeks in %s: never earlier, always inside hours, the earliest such moment",
    { timeout: 60_000 },
    (zone) => {
      for (const [from, to] of [
        ["2026-03-06T00:00:00Z", "2026-04-02T00:00:00Z"],
        ["2026-10-23T00:00:00Z", "2026-11-04T00:00:00Z"],
      ]) {
        for (let at = utc(from); at < utc(to); at += 37 * MINUTE) {
          const next = nextCallingMoment(at, zone);
          const local = DateTime.fromMillis(next, { zone });
          expect(next).toBeGreaterThanOrEqual(at);
          expect(next - at).toBeLessThan(24 * 60 * MINUTE);
          expect(local.hour).toBeGreaterThanOrEqual(CALLING_START_HOUR);
          expect(local.hour).toBeLessThan(CALLING_END_HOUR);
          // Moved only when `at` was outside hours, and then to 08:00 sharp.
          if (next !== at) {
            expect(local.toFormat("HH:mm:ss.SSS")).toBe("08:00:00.000");
            const before = DateTime.fromMillis(next - MINUTE, { zone });
            expect(before.hour < CALLING_START_HOUR || before.hour >= CALLING_END_HOUR).toBe(true);
          }
        }
      }
    },
  );
});

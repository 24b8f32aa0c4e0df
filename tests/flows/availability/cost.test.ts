import { afterEach, expect, test, vi } from "vitest";
import { getAvailableSlots } from "../../../convex/availability";
import { IndexedStore } from "../../../scripts/indexedStore";

const NOW = Date.parse("2026-11-21T15:00:00Z");
const HOUR = 3_600_000;
const handler = (getAvailableSlots as unknown as { _handler: (ctx: unknown, args: unknown) => Promise<{ slots: { iso: string }[] }> })._handler;

afterEach(() => vi.useRealTimers());

function store(history: number) {
  const s = new IndexedStore();
  const agencyId = s.insert("agencies", {
    name: "A",
    timeZone: "America/New_York",
    availability: ["Mon-Fri 09:00-17:00"],
    slotIntervalMinutes: 15,
    meetingDurationMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 120,
    horizonDays: 7,
  });
  const otherAgency = s.insert("agencies", { name: "B" });
  const meeting = (agency: string, meetingTime: number) =>
    s.insert("meetings", { agencyId: agency, meetingTime, durationMinutes: 30, status: "booked" });
  meeting(agencyId, Date.parse("2026-11-24T15:00:00Z")); // Tue 10:00 New York, in the horizon
  for (let i = 0; i < history; i++) {
    meeting(agencyId, NOW - 48 * HOUR - i * HOUR); // the agency's past
    meeting(otherAgency, NOW + i * 60_000); // another agency's busy week
  }
  return { s: s.build(), agencyId };
}

test("listing slots reads the same documents whatever the agency's history", { timeout: 60_000 }, async () => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  const small = store(0);
  const large = store(20_000);
  const a = await handler({ db: small.s.db }, { agencyId: small.agencyId });
  const b = await handler({ db: large.s.db }, { agencyId: large.agencyId });
  expect(b.slots).toEqual(a.slots);
  expect(a.slots.map((x) => x.iso)).not.toContain("2026-11-24T10:00:00-05:00");
  expect(large.s.reads).toBe(small.s.reads);
  expect(small.s.reads).toBeLessThanOrEqual(3); // the agency and the one upcoming meeting
});

test("listing reads the agency's calendar blocks from the read range on, not its stale ones nor another agency's", { timeout: 60_000 }, async () => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  const s = new IndexedStore();
  const agencyId = s.insert("agencies", {
    name: "A",
    timeZone: "America/New_York",
    availability: ["Mon-Fri 09:00-17:00"],
    slotIntervalMinutes: 15,
    meetingDurationMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 120,
    horizonDays: 7,
  });
  const otherAgency = s.insert("agencies", { name: "B" });
  const block = (agency: string, start: number, end: number) => s.insert("calendarBusy", { agencyId: agency, start, end, source: "google" });
  for (let i = 0; i < 5_000; i++) {
    block(agencyId, NOW - 10 * HOUR - i * HOUR, NOW - 9.5 * HOUR - i * HOUR); // ended before the read range (now + notice - the longest meeting = now - 6h)
    block(otherAgency, NOW + i * 60_000, NOW + (i + 1) * 60_000); // another agency's busy week
  }
  block(agencyId, Date.parse("2026-11-24T15:00:00Z"), Date.parse("2026-11-24T15:30:00Z")); // Tue 10:00-10:30 New York
  block(agencyId, NOW - 2 * HOUR, NOW + 52 * HOUR); // started before now, ends on Mon 23rd 14:00 New York
  const { slots } = await handler({ db: s.build().db }, { agencyId });
  const isos = slots.map((x) => x.iso);
  expect(isos).not.toContain("2026-11-24T10:00:00-05:00");
  expect(isos).toContain("2026-11-24T10:30:00-05:00");
  expect(isos[0]).toBe("2026-11-23T14:00:00-05:00"); // the long block covers Monday morning
  expect(s.reads).toBe(3); // the agency and its two blocks in the range
});

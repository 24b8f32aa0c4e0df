/**
 * Availability: weekly windows -> concrete per-date ranges -> slots.
 *
 * Plain TypeScript (Luxon only) so it is unit-tested without a backend. The same
 * `evaluateSlot` decides what is listed, what the prompt offers, whether a model's
 * answer is acceptable and whether a booking may be written.
 */
import { DateTime, IANAZone } from "luxon";

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
/** Longest meeting Atlas books: the busy read is widened by it (history-independent). */
export const MAX_MEETING_MINUTES = 8 * 60;
/** Longest call: Vapi's default maxDurationSeconds (600), which Atlas's calls do not override. */
export const MAX_CALL_MINUTES = 10;
/** Hours [from, to) in the prospect's zone in which Atlas offers times whenever it can; mornings end at noon. */
export const WAKING_HOURS: [number, number] = [8, 20];
const NOON = 12;

export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7; // Luxon: Monday = 1

export interface Window {
  weekday: Weekday;
  /** Minutes from local midnight. */
  startMinute: number;
  endMinute: number;
}

export interface SchedulingRules {
  timeZone: string;
  windows: Window[];
  slotIntervalMinutes: number;
  meetingDurationMinutes: number;
  bufferMinutes: number;
  minNoticeMinutes: number;
  horizonDays: number;
}

/**
 * A busy time as far as availability cares: a booked meeting, or a busy block from the
 * agency's connected calendar, which counts as a meeting over the same time. Instants, [start, end).
 */
export interface BusyMeeting {
  start: number;
  end: number;
}

/** Why the booking rule refuses a slot (the one list: tools' replies and bookSlot's result name these). */
export type SlotRefusal = "outside_availability" | "too_soon" | "beyond_horizon" | "conflict";

export type SlotVerdict = { ok: true } | { ok: false; reason: SlotRefusal };

export class AvailabilityError extends Error {}

const DAY_NAMES: Record<string, Weekday> = {
  mon: 1, monday: 1, tue: 2, tues: 2, tuesday: 2, wed: 3, wednesday: 3,
  thu: 4, thur: 4, thurs: 4, thursday: 4, fri: 5, friday: 5, sat: 6, saturday: 6, sun: 7, sunday: 7,
};
const SHORT_NAMES = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Errors name the field and why, never the value typed (errors reach Convex's logs). */
export function assertTimeZone(zone: string, field = "timeZone"): void {
  if (!IANAZone.isValidZone(zone)) {
    throw new AvailabilityError(`${field} is not a known IANA time zone (e.g. America/New_York)`);
  }
}

function parseClock(text: string, field: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) throw new AvailabilityError(`${field} has a time that is not HH:MM`);
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) {
    throw new AvailabilityError(`${field} has a time that does not exist (00:00 to 24:00)`);
  }
  return hours * 60 + minutes;
}

function parseDay(text: string, field: string): Weekday {
  const day = DAY_NAMES[text.toLowerCase()];
  if (!day) throw new AvailabilityError(`${field} has an unknown weekday (Mon to Sun)`);
  return day;
}

/**
 * Parses "Tue 10:00-12:00" or a day range "Mon-Fri 09:00-17:00" (local time).
 * Returns one Window per weekday. `field` names the window in errors.
 */
export function parseWindow(text: string, field = "availability window"): Window[] {
  const m = /^\s*([A-Za-z]+)(?:\s*-\s*([A-Za-z]+))?\s+(\S+)\s*-\s*(\S+)\s*$/.exec(text);
  if (!m) {
    throw new AvailabilityError(`${field} is not a window like "Tue 10:00-12:00" or "Mon-Fri 09:00-17:00"`);
  }
  const first = parseDay(m[1], field);
  const last = m[2] ? parseDay(m[2], field) : first;
  const startMinute = parseClock(m[3], field);
  const endMinute = parseClock(m[4], field);
  if (endMinute <= startMinute) {
    throw new AvailabilityError(`${field} ends before it starts`);
  }
  const days: Weekday[] = [];
  for (let d = first; ; d = ((d % 7) + 1) as Weekday) {
    days.push(d);
    if (d === last) break;
  }
  return days.map((weekday) => ({ weekday, startMinute, endMinute }));
}

/** The agency's `availability` list; an error names the bad entry by index ("availability[1] ..."). */
export function parseWindows(texts: string[]): Window[] {
  return texts.flatMap((text, i) => parseWindow(text, `availability[${i}]`));
}

export function formatWindow(w: Window): string {
  const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  return `${SHORT_NAMES[w.weekday]} ${clock(w.startMinute)}-${clock(w.endMinute)}`;
}

/**
 * Local wall time on a date -> instant, using that date's own offset.
 * Slot starts that do not exist (the spring-forward gap) give null; range bounds
 * in the gap become the jump itself, the first instant whose wall time is past them.
 */
function localInstant(date: DateTime, minuteOfDay: number, strict: boolean): number | null {
  // Midnight of the next date: on a day whose 00:00 is skipped (America/Santiago) the day starts
  // at 01:00, and one day after that is 01:00, not midnight.
  if (minuteOfDay === 24 * 60) return date.plus({ days: 1 }).startOf("day").toMillis();
  const dt = DateTime.fromObject(
    { year: date.year, month: date.month, day: date.day, hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 },
    { zone: date.zone },
  );
  if (dt.hour * 60 + dt.minute === minuteOfDay) return dt.toMillis();
  if (strict) return null;
  // Luxon moves a missing wall time forward by the whole gap (02:30 -> 03:30 in New York),
  // which would start a window late or end it past its wall end: step back to the jump.
  let ms = dt.toMillis();
  while (date.zone.offset(ms - MINUTE) === dt.offset) ms -= MINUTE;
  return ms;
}

export interface Range {
  start: number;
  end: number;
}

/** Grid-aligned slot starts (local minutes) of one window on one local date, as instants. */
function windowSlots(date: DateTime, w: Window, rules: SchedulingRules): number[] {
  const rangeStart = localInstant(date, w.startMinute, false)!;
  const rangeEnd = localInstant(date, w.endMinute, false)!;
  const out: number[] = [];
  const interval = rules.slotIntervalMinutes;
  const duration = rules.meetingDurationMinutes * MINUTE;
  const first = Math.ceil(w.startMinute / interval) * interval;
  // No offset change inside the window (all but a few days a year): local minutes map to
  // instants one to one, so one Luxon lookup serves the whole window.
  const base = first < w.endMinute ? localInstant(date, first, true) : null;
  if (base !== null && date.zone.offset(rangeStart) === date.zone.offset(rangeEnd - 1)) {
    for (let m = first; m < w.endMinute; m += interval) {
      const start = base + (m - first) * MINUTE;
      if (start + duration <= rangeEnd) out.push(start);
    }
    return out;
  }
  for (let m = first; m < w.endMinute; m += interval) {
    const start = localInstant(date, m, true);
    if (start === null) continue;
    const end = start + duration;
    // Absolute comparison: a window spanning a DST change is shorter or longer than its wall length.
    if (start >= rangeStart && end <= rangeEnd) out.push(start);
  }
  return out;
}

/** Every grid slot inside the windows whose local date lies in [fromMs, toMs], unfiltered. */
export function gridSlots(rules: SchedulingRules, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  let date = DateTime.fromMillis(fromMs, { zone: rules.timeZone }).startOf("day");
  const lastDate = DateTime.fromMillis(toMs, { zone: rules.timeZone }).startOf("day");
  while (date <= lastDate) {
    for (const w of rules.windows) {
      if (w.weekday === date.weekday) out.push(...windowSlots(date, w, rules));
    }
    // Re-anchor at midnight: after a day whose 00:00 is skipped, `date` would stay at 01:00 and miss `lastDate`.
    date = date.plus({ days: 1 }).startOf("day");
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

export function horizonEnd(rules: SchedulingRules, now: number): number {
  return DateTime.fromMillis(now, { zone: rules.timeZone }).plus({ days: rules.horizonDays }).toMillis();
}

export function earliestStart(rules: SchedulingRules, now: number): number {
  return now + rules.minNoticeMinutes * MINUTE;
}

/** The range of meeting start times that can block any slot in the horizon. */
export function busyReadRange(rules: SchedulingRules, now: number): Range {
  return slotsReadRange(rules, earliestStart(rules, now), horizonEnd(rules, now));
}

/** The range of meeting start times that can block a slot starting from `first` to `last`. */
export function slotsReadRange(rules: SchedulingRules, first: number, last: number): Range {
  return {
    start: first - (MAX_MEETING_MINUTES + rules.bufferMinutes) * MINUTE,
    end: last + (rules.meetingDurationMinutes + rules.bufferMinutes) * MINUTE,
  };
}

/** Meetings (and calendar busy blocks) block [start - buffer, end + buffer). */
export function overlapsMeeting(slotStart: number, rules: SchedulingRules, m: BusyMeeting): boolean {
  const buffer = rules.bufferMinutes * MINUTE;
  const slotEnd = slotStart + rules.meetingDurationMinutes * MINUTE;
  const blockedStart = m.start - buffer;
  const blockedEnd = m.end + buffer;
  return slotStart < blockedEnd && blockedStart < slotEnd;
}

/**
 * The one rule for whether a slot may be offered or booked. A slot offered on
 * the call being booked (`offered`) only has to be in the future: the minimum
 * notice was met when it was offered, and the offer must survive the call.
 */
export function evaluateSlot(
  rules: SchedulingRules,
  slotStart: number,
  now: number,
  busy: BusyMeeting[],
  opts: { offered?: boolean } = {},
): SlotVerdict {
  if (!gridSlots(rules, slotStart - DAY, slotStart + DAY).includes(slotStart)) {
    return { ok: false, reason: "outside_availability" };
  }
  const earliest = opts.offered ? now + 1 : earliestStart(rules, now);
  return boundedVerdict(rules, slotStart, earliest, horizonEnd(rules, now), busy);
}

function boundedVerdict(
  rules: SchedulingRules,
  slotStart: number,
  earliest: number,
  horizon: number,
  busy: BusyMeeting[],
): SlotVerdict {
  if (slotStart < earliest) return { ok: false, reason: "too_soon" };
  if (slotStart >= horizon) return { ok: false, reason: "beyond_horizon" };
  if (busy.some((m) => overlapsMeeting(slotStart, rules, m))) return { ok: false, reason: "conflict" };
  return { ok: true };
}

/** All free slots from now to the horizon, in order. */
export function freeSlots(rules: SchedulingRules, now: number, busy: BusyMeeting[]): number[] {
  const earliest = earliestStart(rules, now);
  const horizon = horizonEnd(rules, now);
  const near = busyNear(rules, busy);
  return gridSlots(rules, earliest, horizon).filter((s) => boundedVerdict(rules, s, earliest, horizon, near(s)).ok);
}

/**
 * For slot starts asked in ascending order, the busy times that may overlap each: the
 * list is walked once instead of once per slot (a calendar brings hundreds of blocks, a
 * dense grid 17,000 slots). It only leaves out times that cannot overlap this slot or a
 * later one, so `overlapsMeeting` still decides.
 */
function busyNear(rules: SchedulingRules, busy: BusyMeeting[]): (slotStart: number) => BusyMeeting[] {
  const buffer = rules.bufferMinutes * MINUTE;
  const duration = rules.meetingDurationMinutes * MINUTE;
  const byStart = [...busy].sort((a, b) => a.start - b.start);
  let next = 0;
  let open: BusyMeeting[] = [];
  return (slotStart) => {
    while (next < byStart.length && byStart[next].start - buffer < slotStart + duration) open.push(byStart[next++]);
    open = open.filter((m) => m.end + buffer > slotStart);
    return open;
  };
}

/** Parses an ISO timestamp with an offset (or Z) into an instant; null when unparseable or offset-less. */
export function parseIsoInstant(iso: string): number | null {
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(iso.trim())) return null;
  const dt = DateTime.fromISO(iso.trim(), { setZone: true });
  return dt.isValid ? dt.toMillis() : null;
}

/** ISO with the agency's offset for that instant, e.g. 2026-03-10T10:30:00.000-04:00. */
export function toZonedIso(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
}

// Building a formatter is the costly part of formatting: keep one per zone.
const labelFormats = new Map<string, Intl.DateTimeFormat>();

/** "Tue, Mar 10, 10:30 AM EDT": the instant as a person in `zone` reads it. */
export function formatInZone(ms: number, zone: string): string {
  let format = labelFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      weekday: "short",
      month: "short",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      hour12: true,
      timeZoneName: "short",
    });
    labelFormats.set(zone, format);
  }
  const p = Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]));
  return `${p.weekday}, ${p.month} ${p.day}, ${p.hour}:${p.minute} ${p.dayPeriod} ${p.timeZoneName}`;
}

/** "Tue, Mar 10, 10:30 AM EDT", plus the prospect's own time when their zone differs. */
export function slotLabel(ms: number, agencyZone: string, prospectZone?: string): string {
  const agency = formatInZone(ms, agencyZone);
  if (!prospectZone || prospectZone === agencyZone) return agency;
  const theirs = formatInZone(ms, prospectZone);
  if (theirs === agency) return agency;
  return `${theirs} (${agency} agency time)`;
}

/** Where a start falls in the prospect's day: before WAKING_HOURS ("early"), inside them, or after ("late"). */
export function partOfDay(ms: number, zone: string): "early" | "morning" | "afternoon" | "late" {
  const hour = DateTime.fromMillis(ms, { zone }).hour;
  if (hour < WAKING_HOURS[0]) return "early";
  if (hour >= WAKING_HOURS[1]) return "late";
  return hour < NOON ? "morning" : "afternoon";
}

/** A local day's slots, with the instant of its noon (each date's own offset). */
interface DaySlots {
  slots: number[];
  noon: number;
}

/**
 * Slots grouped by local day in `zone`, only their 08:00-20:00 when `wakingOnly`,
 * stopping after `maxDays` days. Luxon is asked once per day, not once per slot:
 * a 5-minute grid over 60 days has 17,000 slots.
 */
function localDays(slots: number[], zone: string, wakingOnly: boolean, maxDays: number): DaySlots[] {
  const days: DaySlots[] = [];
  let marks: { end: number; wake: number; noon: number; sleep: number } | null = null;
  let current: DaySlots | null = null;
  for (const s of slots) {
    if (!marks || s >= marks.end) {
      if (days.length >= maxDays) break;
      const day = DateTime.fromMillis(s, { zone }).startOf("day");
      const at = (hour: number) => day.set({ hour }).toMillis();
      marks = { end: day.plus({ days: 1 }).startOf("day").toMillis(), wake: at(WAKING_HOURS[0]), noon: at(NOON), sleep: at(WAKING_HOURS[1]) };
      current = null;
    }
    if (wakingOnly && (s < marks.wake || s >= marks.sleep)) continue;
    if (!current) {
      current = { slots: [], noon: marks.noon };
      days.push(current);
    }
    current.slots.push(s);
  }
  return days;
}

/**
 * 3-4 recommended slots spread across days and times of day in the prospect's
 * zone: only their waking hours when any such slot is free, one per day,
 * alternating morning and afternoon, then fill from the remaining slots.
 */
export function recommendSlots(slots: number[], zone: string, count = 4): number[] {
  const awake = localDays(slots, zone, true, count);
  const days = awake.length > 0 ? awake : localDays(slots, zone, false, count);
  const picked: number[] = [];
  let wantMorning = true;
  for (const day of days) {
    if (picked.length >= count) break;
    const isMorning = (s: number) => s < day.noon;
    const choice = day.slots.find((s) => isMorning(s) === wantMorning) ?? day.slots[0];
    picked.push(choice);
    wantMorning = !isMorning(choice);
  }
  const pool = days.flatMap((d) => d.slots);
  for (const s of pool) {
    if (picked.length >= Math.min(count, pool.length)) break;
    const tooClose = picked.some((p) => Math.abs(p - s) < 2 * 60 * MINUTE);
    if (!picked.includes(s) && !tooClose) picked.push(s);
  }
  return picked.sort((a, b) => a - b);
}

/**
 * When a staff call may ring: a non-urgent message waits for the agency's next
 * availability window; every staff call (urgent ones too) stays inside 08:00-21:00
 * in the staff phone's zone. Pure, DST-correct (each date's own offset).
 */
import { DateTime } from "luxon";
import type { Window } from "../scheduling/availability";
import { nextCallingMoment } from "../scheduling/callingHours";

/** Windows are weekly: a week and a day always holds the next one. */
const SEARCH_DAYS = 8;
/** Windows and calling hours pushing each other later settle within a few rounds; a bound keeps it finite. */
const MAX_ROUNDS = 16;

function localMinute(date: DateTime, minuteOfDay: number): number {
  if (minuteOfDay === 24 * 60) return date.plus({ days: 1 }).startOf("day").toMillis();
  return date.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60, second: 0, millisecond: 0 }).toMillis();
}

/** `at` when it lies inside one of the windows (local to `zone`), else the next window's start; `at` when there are none. */
export function nextOpening(at: number, windows: readonly Window[], zone: string): number {
  if (windows.length === 0) return at;
  let date = DateTime.fromMillis(at, { zone }).startOf("day");
  for (let day = 0; day < SEARCH_DAYS; day++) {
    let earliest: number | null = null;
    for (const w of windows) {
      if (w.weekday !== date.weekday) continue;
      const start = localMinute(date, w.startMinute);
      const end = localMinute(date, w.endMinute);
      if (start <= at && at < end) return at;
      if (start > at && (earliest === null || start < earliest)) earliest = start;
    }
    if (earliest !== null) return earliest;
    date = date.plus({ days: 1 }).startOf("day");
  }
  return at;
}

export interface CallbackTiming {
  urgent: boolean;
  /** The agency's availability windows, in its zone. */
  windows: readonly Window[];
  agencyZone: string;
  staffZone: string;
}

/** The first moment from `at` a staff call may ring for this message. */
export function staffCallDueAt(at: number, t: CallbackTiming): number {
  if (t.urgent) return nextCallingMoment(at, [t.staffZone]);
  let due = at;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const open = nextOpening(due, t.windows, t.agencyZone);
    const callable = nextCallingMoment(open, [t.staffZone]);
    if (callable === open) return open;
    due = callable;
  }
  // Windows that never meet the staff phone's calling hours: calling hours win, the staff member is never woken.
  return nextCallingMoment(at, [t.staffZone]);
}

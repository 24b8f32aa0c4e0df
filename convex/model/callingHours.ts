import { DateTime } from "luxon";

/** US telemarketing rules: 08:00-21:00 in the called person's own zone. */
export const CALLING_START_HOUR = 8;
export const CALLING_END_HOUR = 21;

/** `at` when it is inside calling hours in `zone`, else the next 08:00 local. */
export function nextCallingMoment(at: number, zone: string): number {
  const local = DateTime.fromMillis(at, { zone });
  if (local.hour >= CALLING_START_HOUR && local.hour < CALLING_END_HOUR) return at;
  const day = local.hour < CALLING_START_HOUR ? local : local.plus({ days: 1 });
  return day.set({ hour: CALLING_START_HOUR, minute: 0, second: 0, millisecond: 0 }).toMillis();
}

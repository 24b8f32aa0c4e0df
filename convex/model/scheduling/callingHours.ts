import { IANAZone } from "luxon";

/** US telemarketing rules: 08:00-21:00 in the called person's own zone. */
export const CALLING_START_HOUR = 8;
export const CALLING_END_HOUR = 21;

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;
/**
 * Every zone's UTC offset is a whole number of quarter hours and changes (DST) at a
 * local whole quarter hour, so each local 08:00 and each change falls on this grid.
 */
const QUARTER_HOUR = 15 * MINUTE;
/** Zones so far apart that no moment suits them all are settled within this search. */
const SEARCH_MS = 48 * 60 * MINUTE;

/**
 * The zone's UTC offset (minutes) at any instant of [from, from + SEARCH_MS], read
 * from the tz data a few times instead of once per candidate: an offset changes at
 * most once in two days, so a binary search on the grid finds the change exactly.
 */
function offsetsFrom(zone: string, from: number): (at: number) => number {
  const tz = IANAZone.create(zone);
  const first = tz.offset(from);
  const last = tz.offset(from + SEARCH_MS);
  if (first === last) return () => first;
  // offset(lo) is `first`, offset(hi) is `last`; the change is the first grid instant after lo.
  let lo = Math.floor(from / QUARTER_HOUR) * QUARTER_HOUR;
  let hi = from + SEARCH_MS;
  while (hi - lo > QUARTER_HOUR) {
    const mid = lo + Math.max(1, Math.floor((hi - lo) / QUARTER_HOUR / 2)) * QUARTER_HOUR;
    if (tz.offset(mid) === first) lo = mid;
    else hi = mid;
  }
  const change = lo + QUARTER_HOUR;
  return (at) => (at < change ? first : last);
}

/** 0 inside calling hours; outside, 1 + the minutes to them the nearer way round the clock. */
function minutesOutside(at: number, offsetMinutes: number): number {
  const local = (((at / MINUTE + offsetMinutes) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  const start = CALLING_START_HOUR * 60;
  const end = CALLING_END_HOUR * 60;
  if (local >= start && local < end) return 0;
  return 1 + Math.min((start - local + DAY_MINUTES) % DAY_MINUTES, (local - end + DAY_MINUTES) % DAY_MINUTES);
}

/**
 * The earliest moment from `at` that is inside calling hours in every zone the
 * phone may ring in: `at` itself, or the quarter hour when the last of them
 * reaches 08:00 (DST-correct, each date's own offset). Should the zones be too far
 * apart for any moment to suit them all, the moment in the next 48 hours nearest
 * to calling hours in the zone it suits least (the earliest such).
 */
export function nextCallingMoment(at: number, zones: readonly string[]): number {
  if (zones.length === 0) throw new Error("nextCallingMoment needs at least one zone");
  const offsets = zones.map((zone) => offsetsFrom(zone, at));
  const worstOutside = (t: number) => Math.max(...offsets.map((offset) => minutesOutside(t, offset(t))));
  let best = at;
  let bestOutside = worstOutside(at);
  for (let t = Math.floor(at / QUARTER_HOUR) * QUARTER_HOUR + QUARTER_HOUR; bestOutside > 0 && t <= at + SEARCH_MS; t += QUARTER_HOUR) {
    const outside = worstOutside(t);
    if (outside < bestOutside) {
      best = t;
      bestOutside = outside;
    }
  }
  return best;
}

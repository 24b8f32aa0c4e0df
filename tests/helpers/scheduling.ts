/** Shared by the scheduling unit tests: hand-written UTC instants and agency rules. */
import { MINUTE, parseWindows, type SchedulingRules } from "../../convex/model/scheduling/availability";

/** Expected instants are written in UTC by hand, so they never reuse the engine's own zone math. */
export const utc = (iso: string) => Date.parse(iso);
export const utcList = (...isos: string[]) => isos.map(utc);
export const HOUR = 60 * MINUTE;
export const NY = "America/New_York";

export function rules(availability: string[], over: Partial<SchedulingRules> = {}): SchedulingRules {
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


import type { Doc } from "../_generated/dataModel";
import { parseWindows, type SchedulingRules } from "./scheduling/availability";

export const AGENCY_DEFAULTS = {
  slotIntervalMinutes: 15,
  meetingDurationMinutes: 30,
  bufferMinutes: 0,
  minNoticeMinutes: 120,
  horizonDays: 7,
  maxAttempts: 3,
  retryDelayMinutes: 240,
} as const;

/** The scheduling rules of an agency, windows parsed (they were validated on create). */
export function rulesFor(agency: Doc<"agencies">): SchedulingRules {
  return {
    timeZone: agency.timeZone,
    windows: parseWindows(agency.availability),
    slotIntervalMinutes: agency.slotIntervalMinutes,
    meetingDurationMinutes: agency.meetingDurationMinutes,
    bufferMinutes: agency.bufferMinutes,
    minNoticeMinutes: agency.minNoticeMinutes,
    horizonDays: agency.horizonDays,
  };
}

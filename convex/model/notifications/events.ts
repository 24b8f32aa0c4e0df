import { v, type Infer } from "convex/values";
import { DateTime } from "luxon";

/** What happened to an opportunity that someone may want to hear about. */
export const notificationEvent = v.union(
  v.literal("booked"),
  v.literal("call_requested"),
  v.literal("positive_lead"),
  v.literal("rejected"),
  v.literal("booking_conflict"),
  v.literal("analysis_failed"),
  v.literal("opted_out"),
  /** Agency-level (no prospect): the Google Calendar connection needs a new consent. */
  v.literal("calendar_disconnected"),
);
export type NotificationEvent = Infer<typeof notificationEvent>;

export const NOTIFICATION_DEFAULTS = {
  digestHour: 8,
  digestTimeZone: "America/New_York",
  dedupeWindowMinutes: 24 * 60,
} as const;

/** Longest text a caller may hand to notify: messages carry names and links, nothing more. */
export const MAX_TEXT_LENGTH = 500;
/** Items listed in one digest message; the rest are counted. */
export const MAX_DIGEST_LINES = 50;

export const EVENT_LABELS: Record<NotificationEvent, string> = {
  booked: "Meeting booked",
  call_requested: "Call requested",
  positive_lead: "Positive lead",
  rejected: "Rejected",
  booking_conflict: "Booking conflict",
  analysis_failed: "Analysis failed",
  opted_out: "Opted out",
  calendar_disconnected: "Calendar disconnected",
};

export function clampText(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= MAX_TEXT_LENGTH ? oneLine : `${oneLine.slice(0, MAX_TEXT_LENGTH - 1)}…`;
}

export function realtimeMessage(event: NotificationEvent, text: string): string {
  return `[Atlas] ${EVENT_LABELS[event]}: ${text}`;
}

export function digestLine(item: { event: NotificationEvent; text: string }): string {
  return `• ${EVENT_LABELS[item.event]}: ${item.text}`;
}

/** One digest message: `total` items counted, the first MAX_DIGEST_LINES `lines` (from digestLine) listed. */
export function digestMessage(localDate: string, lines: string[], total: number): string {
  const shown = lines.slice(0, MAX_DIGEST_LINES);
  const more = total - shown.length;
  return [
    `[Atlas] Daily digest for ${localDate}: ${total} update${total === 1 ? "" : "s"}`,
    ...shown,
    ...(more > 0 ? [`…and ${more} more`] : []),
  ].join("\n");
}

export function emailSubject(event: NotificationEvent | "digest", localDate?: string): string {
  return event === "digest" ? `Atlas daily digest ${localDate ?? ""}`.trim() : `Atlas: ${EVENT_LABELS[event]}`;
}

export class NotificationSettingsError extends Error {}

export function assertDigestHour(hour: number): number {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
    throw new NotificationSettingsError("digestHour must be a whole hour from 0 to 23");
  }
  return hour;
}

export function assertDedupeWindow(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 30 * 24 * 60) {
    throw new NotificationSettingsError("dedupeWindowMinutes must be a whole number from 1 to 43200");
  }
  return minutes;
}

/** The local calendar date ("2025-07-14") of an instant in a zone. */
export function localDate(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISODate() as string;
}

/**
 * When the next digest is due: the start of `hour` local time on the first local date
 * that has not had its digest and whose digest hour has not already ended. Each date
 * uses its own offset, so 08:00 New York is 12:00 UTC in summer and 13:00 UTC in winter.
 */
export function nextDigestAt(now: number, zone: string, hour: number, lastDigestLocalDate?: string): number {
  const today = DateTime.fromMillis(now, { zone }).startOf("day");
  let day = today;
  if (lastDigestLocalDate !== undefined && (today.toISODate() as string) <= lastDigestLocalDate) {
    day = DateTime.fromISO(lastDigestLocalDate, { zone }).plus({ days: 1 });
  }
  const startOn = (d: DateTime) => d.set({ hour, minute: 0, second: 0, millisecond: 0 });
  if (now >= startOn(day).plus({ hours: 1 }).toMillis()) day = day.plus({ days: 1 });
  return startOn(day).toMillis();
}

import { v, type Infer } from "convex/values";
import type { CountryCode } from "libphonenumber-js";
import { DateTime } from "luxon";
import { isEmailAddress } from "./email";

/** What happened to an opportunity that someone may want to hear about. */
export const notificationEvent = v.union(
  v.literal("booked"),
  v.literal("call_requested"),
  v.literal("positive_lead"),
  v.literal("rejected"),
  v.literal("booking_conflict"),
  v.literal("analysis_failed"),
  v.literal("opted_out"),
);
export type NotificationEvent = Infer<typeof notificationEvent>;

export const destinationKind = v.union(v.literal("slack"), v.literal("email"), v.literal("sms"));
export type DestinationKind = Infer<typeof destinationKind>;

/** realtime: one message as it happens; digest: one summary a day at the agency's digest hour. */
export const deliveryMode = v.union(v.literal("realtime"), v.literal("digest"));
export type DeliveryMode = Infer<typeof deliveryMode>;

export const deliveryStatus = v.union(
  v.literal("composing"), // a digest still gathering its items; sent when the agency's digest is complete
  v.literal("pending"), // waiting for (another) attempt
  v.literal("sending"), // claimed by one attempt; never sent twice
  v.literal("unknown"), // the attempt died mid-send (Slack, SMS): it may have arrived; not resent, staff decide
  v.literal("sent"),
  v.literal("failed"), // permanent error or attempts exhausted
  v.literal("skipped"), // destination not configured (SMS without Twilio) or removed
  v.literal("disabled"), // email without RESEND_API_KEY / EMAIL_FROM
);
export type DeliveryStatus = Infer<typeof deliveryStatus>;

export const NOTIFICATION_DEFAULTS = {
  digestHour: 8,
  digestTimeZone: "America/New_York",
  dedupeWindowMinutes: 24 * 60,
} as const;

/** Attempts per delivery, the first included. */
export const MAX_DELIVERY_ATTEMPTS = 5;
/** A claimed delivery is its attempt's for this long (an action runs at most 10 minutes); then the sweep settles it. */
export const DELIVERY_LEASE_MS = 15 * 60_000;
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
};

/** Backoff before attempt `attempt + 1`: 30 s, 2 min, 8 min, 32 min. */
export function retryDelayMs(attempt: number): number {
  return 30_000 * 4 ** Math.max(0, attempt - 1);
}

/** Enough of a secret for staff to recognise it ("xoxb-…abcd"), never enough to use it. */
export function maskSecret(secret: string): string {
  const dash = secret.indexOf("-");
  const prefix = dash > 0 && dash <= 5 ? secret.slice(0, dash + 1) : "";
  const tail = secret.length >= 12 ? secret.slice(-4) : "";
  return `${prefix}…${tail}`;
}

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

export interface DestinationInput {
  kind: DestinationKind;
  label?: string;
  /** Slack channel id or name, email address, or phone number for SMS. */
  target: string;
  slackBotToken?: string;
  twilioAccountSid?: string;
  twilioAuthToken?: string;
  twilioFromNumber?: string;
}

export interface DestinationSecret {
  slackBotToken?: string;
  twilio?: { accountSid: string; authToken: string; fromNumber: string };
}

export interface NormalizedDestination {
  kind: DestinationKind;
  label: string;
  target: string;
  /** False for SMS without Twilio: its deliveries are recorded as skipped. */
  configured: boolean;
  secretMask?: string;
  secret?: DestinationSecret;
}

/**
 * Checks a destination before anything is stored or any secret is sent anywhere.
 * Errors name the field and why, never the value: a target is a person's address or
 * number, and a secret may be pasted into the wrong field (errors reach Convex's logs).
 */
export function normalizeDestination(
  input: DestinationInput,
  toE164: (raw: string, defaultCountry?: CountryCode, field?: string) => string,
): NormalizedDestination {
  const target = input.target.trim();
  const label = input.label?.trim() || `${input.kind} ${target}`;
  const twilioFields = [input.twilioAccountSid, input.twilioAuthToken, input.twilioFromNumber];
  if (input.kind !== "slack" && input.slackBotToken !== undefined) {
    throw new NotificationSettingsError(`slackBotToken only applies to slack destinations, not ${input.kind}`);
  }
  if (input.kind !== "sms" && twilioFields.some((f) => f !== undefined)) {
    throw new NotificationSettingsError(`Twilio credentials only apply to sms destinations, not ${input.kind}`);
  }
  switch (input.kind) {
    case "slack": {
      if (!/^#?[A-Za-z0-9._-]{1,80}$/.test(target)) throw new NotificationSettingsError("target is not a Slack channel id or name");
      const token = input.slackBotToken?.trim();
      if (!token || !token.startsWith("xoxb-")) {
        throw new NotificationSettingsError("slackBotToken must be a Slack bot token (it starts with xoxb-)");
      }
      return { kind: "slack", label, target, configured: true, secretMask: maskSecret(token), secret: { slackBotToken: token } };
    }
    case "email": {
      if (!isEmailAddress(target)) throw new NotificationSettingsError("target is not a valid email address");
      return { kind: "email", label, target, configured: true };
    }
    case "sms": {
      const to = toE164(target, "US", "target");
      if (twilioFields.every((f) => f === undefined)) return { kind: "sms", label, target: to, configured: false };
      const [accountSid, authToken, fromNumber] = twilioFields.map((f) => f?.trim() ?? "");
      if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
        throw new NotificationSettingsError("twilioAccountSid must start with AC and have 34 characters (AC and 32 hex digits)");
      }
      if (!authToken) throw new NotificationSettingsError("twilioAuthToken is empty");
      if (!fromNumber) throw new NotificationSettingsError("twilioFromNumber is empty");
      return {
        kind: "sms",
        label,
        target: to,
        configured: true,
        secretMask: `account ${maskSecret(accountSid)}, token ${maskSecret(authToken)}`,
        secret: { twilio: { accountSid, authToken, fromNumber: toE164(fromNumber, "US", "twilioFromNumber") } },
      };
    }
  }
}

type SweptNotification = { status: DeliveryStatus; kind: DestinationKind; attempts: number };

/**
 * What the sweep does with a notification no attempt settled by its checkAt. A
 * pending one (its action never ran) is scheduled again. A "sending" one's attempt
 * died mid-send: an email goes again under the same Resend idempotency key; a
 * Slack or SMS message may have arrived and has no such key, so it becomes
 * `unknown` for staff instead of risking a second copy.
 */
export function sweepNotification(
  d: SweptNotification,
  now: number,
): { outcome: "resent" | "unknown" | "failed"; patch: { status?: DeliveryStatus; lastError?: string; checkAt: number | undefined } } {
  if (d.status === "pending") return { outcome: "resent", patch: { checkAt: now + DELIVERY_LEASE_MS } };
  if (d.kind !== "email") {
    return {
      outcome: "unknown",
      patch: { status: "unknown", lastError: `the ${d.kind} attempt died mid-send: it may have arrived, so it is not resent`, checkAt: undefined },
    };
  }
  if (d.attempts >= MAX_DELIVERY_ATTEMPTS) {
    return { outcome: "failed", patch: { status: "failed", lastError: "attempt lost and attempts spent", checkAt: undefined } };
  }
  return { outcome: "resent", patch: { status: "pending", lastError: "attempt lost; sent again under the same idempotency key", checkAt: now + DELIVERY_LEASE_MS } };
}

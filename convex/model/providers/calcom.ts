/**
 * Cal.com's public v2 API, as a third party with no key: read an event's free slots
 * and book one. Replies are zod-parsed; failures become CalcomError with the HTTP
 * status and a short message (never the request body, which holds the attendee).
 */
import { DateTime } from "luxon";
import { z } from "zod";
import { evaluateSlot, parseIsoInstant, type BusyMeeting, type SchedulingRules } from "../scheduling/availability";
import type { CalcomEvent } from "./schedulerLink";

export const SLOTS_API_VERSION = "2024-09-04";
export const BOOKINGS_API_VERSION = "2024-08-13";

export class CalcomError extends Error {
  constructor(
    /** HTTP status; undefined when no reply came (network error). */
    readonly statusCode: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "CalcomError";
  }
}

const slotsReply = z.object({
  status: z.string(),
  data: z.record(z.string(), z.array(z.object({ start: z.string() }))),
});

const bookingReply = z.object({
  status: z.string(),
  data: z
    .object({
      uid: z.string().optional(),
      id: z.union([z.number(), z.string()]).optional(),
      status: z.string().optional(),
    })
    .refine((d) => d.uid !== undefined || d.id !== undefined, "booking reply has neither uid nor id"),
});

const errorReply = z.object({ error: z.object({ message: z.string().optional() }).optional() });

export interface CalcomBooking {
  /** The booking uid (or numeric id as text when there is no uid). */
  bookingId: string;
  /** As Cal.com says it: "accepted", or "PENDING"/"pending" when the host must confirm. */
  status: string;
}

export interface Attendee {
  name: string;
  email: string;
  timeZone: string;
}

async function callCalcom(what: string, url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    // Resolved at call time so tests can stub it.
    response = await globalThis.fetch(url, init);
  } catch {
    throw new CalcomError(undefined, `Cal.com ${what}: network error`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = errorReply.safeParse(body).data?.error?.message;
    const short = detail ? `: ${detail.slice(0, 160)}` : "";
    throw new CalcomError(response.status, `Cal.com ${what} failed with HTTP ${response.status}${short}`);
  }
  return body;
}

/** "2026-03-10T14:30:00Z": Cal.com takes booking starts in UTC. */
export function utcIso(ms: number): string {
  return DateTime.fromMillis(ms, { zone: "utc" }).toISO({ suppressMilliseconds: true })!;
}

/**
 * A slot start from Cal.com as an instant. Starts normally carry the offset of the
 * requested zone; one without an offset is wall time in that zone.
 */
function providerInstant(start: string, timeZone: string): number | null {
  const withOffset = parseIsoInstant(start);
  if (withOffset !== null) return withOffset;
  const local = DateTime.fromISO(start, { zone: timeZone });
  return local.isValid ? local.toMillis() : null;
}

/** Names the organisation of an `<org>.cal.com` event: without it Cal.com looks for a personal user and finds none. */
function organization(event: CalcomEvent): { organizationSlug?: string } {
  return event.organizationSlug ? { organizationSlug: event.organizationSlug } : {};
}

/** The event's free slot starts in [start, end], as sorted instants. */
export async function fetchCalcomSlots(
  event: CalcomEvent,
  range: { start: number; end: number },
  timeZone: string,
): Promise<number[]> {
  const query = new URLSearchParams({
    eventTypeSlug: event.eventTypeSlug,
    username: event.username,
    ...organization(event),
    start: utcIso(range.start),
    end: utcIso(range.end),
    timeZone,
  });
  const body = await callCalcom("slots", `${event.apiBase}/v2/slots?${query.toString()}`, {
    method: "GET",
    headers: { "cal-api-version": SLOTS_API_VERSION },
  });
  const parsed = slotsReply.safeParse(body);
  if (!parsed.success) throw new CalcomError(200, "Cal.com slots: unexpected reply shape");
  const starts = Object.values(parsed.data.data)
    .flat()
    .map((s) => providerInstant(s.start, timeZone))
    .filter((ms): ms is number => ms !== null);
  return [...new Set(starts)].sort((a, b) => a - b);
}

/** Books `start` on the event for the attendee. Not idempotent at Cal.com: callers claim first. */
export async function createCalcomBooking(event: CalcomEvent, start: number, attendee: Attendee): Promise<CalcomBooking> {
  const body = await callCalcom("booking", `${event.apiBase}/v2/bookings`, {
    method: "POST",
    headers: { "cal-api-version": BOOKINGS_API_VERSION, "content-type": "application/json" },
    body: JSON.stringify({
      eventTypeSlug: event.eventTypeSlug,
      username: event.username,
      ...organization(event),
      start: utcIso(start),
      attendee,
    }),
  });
  const parsed = bookingReply.safeParse(body);
  if (!parsed.success) throw new CalcomError(200, "Cal.com booking: unexpected reply shape");
  const { uid, id, status } = parsed.data.data;
  return { bookingId: uid ?? String(id), status: status ?? "unknown" };
}

/**
 * The provider's free starts that the agency could also take: the same evaluateSlot
 * that lists and books, so a start off the agency grid, outside its windows, too soon,
 * past the horizon or on a booked meeting is dropped.
 */
export function intersectWithAvailability(
  providerStarts: number[],
  rules: SchedulingRules,
  now: number,
  busy: BusyMeeting[],
): number[] {
  return [...new Set(providerStarts)]
    .filter((start) => evaluateSlot(rules, start, now, busy).ok)
    .sort((a, b) => a - b);
}

/**
 * Cal.com's booking (API v2, 2024-08-13) as reconciliation reads it; other fields are ignored,
 * and nulls Cal.com sends for fields it has no value for are accepted.
 */
const calcomBooking = z.object({
  uid: z.string(),
  status: z.string(),
  start: z.string(),
  end: z.string().nullish(),
  absentHost: z.boolean().nullish(),
  rescheduledToUid: z.string().nullish(),
  attendees: z.array(z.object({ email: z.string().nullish(), absent: z.boolean().nullish() })).nullish(),
});
export type CalcomBookingRecord = z.infer<typeof calcomBooking>;

const bookingGetReply = z.object({ status: z.string(), data: z.union([calcomBooking, z.array(calcomBooking)]) });
const bookingListReply = z.object({ status: z.string(), data: z.array(calcomBooking) });
const meReply = z.object({ status: z.string(), data: z.object({ id: z.number(), username: z.string().nullish() }) });

const keyed = (apiKey: string | null): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});

/** Checks an agency's API key: GET /v2/me answers 200 only for a valid one. */
export async function calcomMe(apiKey: string): Promise<{ userId: number }> {
  const body = await callCalcom("me", "https://api.cal.com/v2/me", { method: "GET", headers: keyed(apiKey) });
  const parsed = meReply.safeParse(body);
  if (!parsed.success) throw new CalcomError(200, "Cal.com me: unexpected reply shape");
  return { userId: parsed.data.data.id };
}

/**
 * One booking by uid. Without a key (a booking Atlas made on a prospect's public link) Cal.com
 * still answers for the uid, as its booking page does. Null when Cal.com has no such booking.
 */
export async function fetchCalcomBookingByUid(apiBase: string, uid: string, apiKey: string | null): Promise<CalcomBookingRecord | null> {
  let body: unknown;
  try {
    body = await callCalcom("booking", `${apiBase}/v2/bookings/${encodeURIComponent(uid)}`, {
      method: "GET",
      headers: { "cal-api-version": BOOKINGS_API_VERSION, ...keyed(apiKey) },
    });
  } catch (e) {
    if (e instanceof CalcomError && e.statusCode === 404) return null;
    throw e;
  }
  const parsed = bookingGetReply.safeParse(body);
  if (!parsed.success) throw new CalcomError(200, "Cal.com booking: unexpected reply shape");
  const data = parsed.data.data;
  // A recurring booking's uid answers with its occurrences: the first stands for the series.
  return Array.isArray(data) ? (data[0] ?? null) : data;
}

/** The agency's bookings with this attendee (any status), soonest first; one page is plenty for one prospect. */
export async function listCalcomBookingsByEmail(apiKey: string, email: string): Promise<CalcomBookingRecord[]> {
  const query = new URLSearchParams({ attendeeEmail: email, take: "50", sortStart: "asc" });
  const body = await callCalcom("bookings", `https://api.cal.com/v2/bookings?${query.toString()}`, {
    method: "GET",
    headers: { "cal-api-version": BOOKINGS_API_VERSION, ...keyed(apiKey) },
  });
  const parsed = bookingListReply.safeParse(body);
  if (!parsed.success) throw new CalcomError(200, "Cal.com bookings: unexpected reply shape");
  return parsed.data.data;
}

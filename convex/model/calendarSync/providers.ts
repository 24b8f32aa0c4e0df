/**
 * The booking systems reconciliation asks, one registry entry each: how to read
 * one booking by its id and (for an agency's own account) a prospect's bookings
 * by email, as the same ProviderBooking. What a booking means for a meeting is
 * decided in ./decide.ts and applied by model/meetings/lifecycle.ts, whichever
 * entry read it. Google Calendar holds Atlas's own event for the meeting
 * (googleEventId): deleted or cancelled there -> cancelled, moved -> its new
 * start; it has no prospect lookup (Atlas wrote the events it would find).
 */
import { DateTime } from "luxon";
import {
  CalcomError,
  fetchCalcomBookingByUid,
  listCalcomBookingsByEmail,
  type CalcomBookingRecord,
} from "../providers/calcom";
import {
  CalendlyError,
  eventUuid,
  fetchCalendlyEvent,
  listCalendlyEventsByEmail,
  listCalendlyInvitees,
  type CalendlyEvent,
} from "../providers/calendly";
import { getEvent } from "../providers/googleCalendar";
import type { BookingProvider } from "../meetings/validators";

export interface ProviderBooking {
  id: string;
  start: number;
  status: "active" | "cancelled";
  /** Cancelled because it moved: the booking that replaced it. */
  rescheduledTo?: { id: string; start: number };
  /** The provider says the prospect did not attend. */
  prospectNoShow: boolean;
}

/** A provider call that failed: its HTTP status (undefined: no reply), its error code, and a short message without ids of people. */
export class SyncProviderError extends Error {
  constructor(
    readonly statusCode: number | undefined,
    message: string,
    /** The provider's error code when it names one (Google's `errors[].reason`: rateLimitExceeded...). */
    readonly code?: string,
  ) {
    super(message);
    this.name = "SyncProviderError";
  }
}

/**
 * What a call may use: the agency's key or Google access token (null: a public
 * booking), its Calendly organisation, a regional API host, the Google
 * calendar and the zone its all-day events are in.
 */
export interface Access {
  apiKey: string | null;
  organizationUri?: string;
  apiBase?: string;
  calendarId?: string;
  calendarZone?: string;
}

/** The prospect's place in the booking: host of their own link's booking, attendee of the agency's. */
export interface Prospect {
  role: "host" | "attendee";
  email?: string;
}

export interface ProviderEntry {
  /** Null when the provider has no such booking. */
  booking(access: Access, id: string, prospect: Prospect): Promise<ProviderBooking | null>;
  /** The prospect's bookings in the agency's account, soonest first. */
  findByEmail(access: Access, prospect: Prospect & { email: string }): Promise<ProviderBooking[]>;
}

function instant(iso: string): number {
  const t = DateTime.fromISO(iso, { setZone: true });
  if (!t.isValid) throw new SyncProviderError(200, "provider sent a start time that is not ISO 8601");
  return t.toMillis();
}

const sameEmail = (a: string | null | undefined, b: string | undefined) => !b || (a ?? "").toLowerCase() === b.toLowerCase();

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof CalcomError || e instanceof CalendlyError) throw new SyncProviderError(e.statusCode, e.message);
    throw e;
  }
}

function fromCalcom(b: CalcomBookingRecord, prospect: Prospect): ProviderBooking {
  const noShow =
    prospect.role === "host"
      ? b.absentHost === true
      : (b.attendees ?? []).some((a) => a.absent === true && sameEmail(a.email, prospect.email));
  return {
    id: b.uid,
    start: instant(b.start),
    status: b.status.toLowerCase() === "cancelled" || b.status.toLowerCase() === "rejected" ? "cancelled" : "active",
    prospectNoShow: noShow,
  };
}

const calcom: ProviderEntry = {
  booking: (access, id, prospect) =>
    guard(async () => {
      const base = access.apiBase ?? "https://api.cal.com";
      const record = await fetchCalcomBookingByUid(base, id, access.apiKey);
      if (!record) return null;
      const booking = fromCalcom(record, prospect);
      if (booking.status === "cancelled" && record.rescheduledToUid) {
        const next = await fetchCalcomBookingByUid(base, record.rescheduledToUid, access.apiKey);
        if (next) booking.rescheduledTo = { id: next.uid, start: instant(next.start) };
      }
      return booking;
    }),
  findByEmail: (access, prospect) =>
    guard(async () => {
      if (!access.apiKey) throw new SyncProviderError(401, "Cal.com: no key for the agency's account");
      return (await listCalcomBookingsByEmail(access.apiKey, prospect.email)).map((b) => fromCalcom(b, prospect));
    }),
};

function fromCalendly(event: CalendlyEvent, noShow: boolean): ProviderBooking {
  return {
    id: eventUuid(event.uri) ?? event.uri,
    start: instant(event.start_time),
    status: event.status === "canceled" ? "cancelled" : "active",
    prospectNoShow: noShow,
  };
}

const calendly: ProviderEntry = {
  booking: (access, id, prospect) =>
    guard(async () => {
      if (!access.apiKey) throw new SyncProviderError(401, "Calendly: no token for the agency's account");
      const event = await fetchCalendlyEvent(access.apiKey, id);
      if (!event) return null;
      const invitees = (await listCalendlyInvitees(access.apiKey, id)).filter((i) => sameEmail(i.email, prospect.email));
      const booking = fromCalendly(event, invitees.some((i) => i.no_show != null));
      // A reschedule cancels the invitee (rescheduled: true) and books a new invitee on a new event.
      const moved = invitees.find((i) => i.rescheduled && i.new_invitee);
      const nextId = moved?.new_invitee ? eventUuid(moved.new_invitee) : null;
      if (booking.status === "cancelled" && nextId) {
        const next = await fetchCalendlyEvent(access.apiKey, nextId);
        if (next) booking.rescheduledTo = { id: nextId, start: instant(next.start_time) };
      }
      return booking;
    }),
  findByEmail: (access, prospect) =>
    guard(async () => {
      if (!access.apiKey || !access.organizationUri) throw new SyncProviderError(401, "Calendly: no token or organisation for the agency");
      // No-show is read per event once the meeting is recorded (booking by id): listing does not carry invitees.
      return (await listCalendlyEventsByEmail(access.apiKey, access.organizationUri, prospect.email)).map((e) => fromCalendly(e, false));
    }),
};

/** Deleted (404/410) or cancelled in the calendar: cancelled; otherwise as it stands, start and all. */
const google: ProviderEntry = {
  booking: async (access, id) => {
    if (!access.apiKey || !access.calendarId) throw new SyncProviderError(401, "Google Calendar: no access token for the agency's calendar");
    const reply = await getEvent(access.apiKey, access.calendarId, id, access.calendarZone ?? "UTC");
    if (!reply.ok) throw new SyncProviderError(reply.failure.status ?? undefined, reply.failure.error, reply.failure.code);
    const event = reply.value;
    if ("missing" in event) return { id, start: 0, status: "cancelled", prospectNoShow: false };
    return { id: event.id, start: event.start, status: event.cancelled ? "cancelled" : "active", prospectNoShow: false };
  },
  findByEmail: () => Promise.reject(new SyncProviderError(400, "Google Calendar: no lookup by email")),
};

export const PROVIDERS: Record<BookingProvider, ProviderEntry> = { calcom, calendly, google };

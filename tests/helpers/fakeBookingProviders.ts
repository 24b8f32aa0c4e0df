/**
 * The booking providers' side of the fake world (fakeWorld.ts installs it): Cal.com
 * API v2 bookings (GET by uid, list by attendeeEmail, /v2/me) and Calendly API v2
 * (/users/me, scheduled_events, invitees), answering in their documented shapes with
 * the nulls they send, keys checked like the real services, and 429s on request.
 */
type Reply = { status?: number; json?: unknown };
type On = (method: string, match: RegExp, handle: (req: { url: string; headers: Record<string, string>; body: unknown }) => Reply) => unknown;

export interface CalcomBookingFixture {
  uid: string;
  start: string;
  /** "accepted" | "pending" | "cancelled" | "rejected" */
  status?: string;
  durationMinutes?: number;
  attendeeEmail: string;
  attendeeAbsent?: boolean;
  absentHost?: boolean;
  rescheduledToUid?: string;
}

export interface CalendlyEventFixture {
  uuid: string;
  start: string;
  status?: "active" | "canceled";
  inviteeEmail: string;
  noShow?: boolean;
  /** Rescheduled: the event the invitee moved to. */
  rescheduledTo?: string;
}

export const CALENDLY_ORG = "https://api.calendly.com/organizations/ORG0000000000001";
const CALENDLY_USER = "https://api.calendly.com/users/USR0000000000001";

const end = (start: string, minutes: number) => new Date(Date.parse(start) + minutes * 60_000).toISOString();

/** A Cal.com v2 (2024-08-13) booking as GET /v2/bookings returns it. */
export function calcomBookingJson(b: CalcomBookingFixture, id: number) {
  const minutes = b.durationMinutes ?? 30;
  return {
    id,
    uid: b.uid,
    title: "Intro call between Brightline Growth and a prospect",
    description: "",
    hosts: [{ id: 101, name: "Host", email: "host@provider.example", username: "host", timeZone: "America/New_York" }],
    status: b.status ?? "accepted",
    cancellationReason: b.status === "cancelled" ? "Cancelled by the attendee" : null,
    cancelledByEmail: null,
    reschedulingReason: null,
    rescheduledByEmail: null,
    rescheduledFromUid: null,
    ...(b.rescheduledToUid ? { rescheduledToUid: b.rescheduledToUid } : {}),
    start: b.start,
    end: end(b.start, minutes),
    duration: minutes,
    eventTypeId: 5001,
    eventType: { id: 5001, slug: "intro" },
    meetingUrl: null,
    location: "integrations:daily",
    absentHost: b.absentHost ?? false,
    createdAt: "2026-03-01T10:00:00.000Z",
    updatedAt: null,
    metadata: {},
    rating: null,
    icsUid: `${b.uid}@Cal.com`,
    attendees: [{ name: "Prospect", email: b.attendeeEmail, timeZone: "America/Chicago", language: "en", absent: b.attendeeAbsent ?? false, phoneNumber: null }],
    guests: [],
    bookingFieldsResponses: { name: "Prospect", email: b.attendeeEmail, guests: [] },
  };
}

function calendlyEventJson(e: CalendlyEventFixture) {
  return {
    uri: `https://api.calendly.com/scheduled_events/${e.uuid}`,
    name: "30 Minute Meeting",
    meeting_notes_plain: null,
    meeting_notes_html: null,
    status: e.status ?? "active",
    start_time: e.start.replace(/\.000Z$|Z$/, ".000000Z"),
    end_time: end(e.start, 30).replace(/\.000Z$/, ".000000Z"),
    event_type: "https://api.calendly.com/event_types/ET0000000000001",
    location: { type: "zoom", location: null, join_url: null, status: null, data: null },
    invitees_counter: { total: 1, active: e.status === "canceled" ? 0 : 1, limit: 1 },
    created_at: "2026-03-01T10:00:00.000000Z",
    updated_at: "2026-03-01T10:00:00.000000Z",
    event_memberships: [{ user: CALENDLY_USER, user_email: "host@agency.example", user_name: "Host" }],
    event_guests: [],
    ...(e.status === "canceled" ? { cancellation: { canceled_by: "Prospect", reason: null, canceler_type: "invitee", created_at: "2026-03-02T10:00:00.000000Z" } } : {}),
  };
}

function calendlyInviteeJson(e: CalendlyEventFixture) {
  const eventUri = `https://api.calendly.com/scheduled_events/${e.uuid}`;
  return {
    uri: `${eventUri}/invitees/INV-${e.uuid}`,
    email: e.inviteeEmail,
    first_name: null,
    last_name: null,
    name: "Prospect",
    status: e.status ?? "active",
    questions_and_answers: [],
    timezone: "America/Chicago",
    event: eventUri,
    created_at: "2026-03-01T10:00:00.000000Z",
    updated_at: "2026-03-01T10:00:00.000000Z",
    tracking: { utm_campaign: null, utm_source: null, utm_medium: null, utm_content: null, utm_term: null, salesforce_uuid: null },
    text_reminder_number: null,
    rescheduled: e.rescheduledTo !== undefined,
    old_invitee: null,
    new_invitee: e.rescheduledTo ? `https://api.calendly.com/scheduled_events/${e.rescheduledTo}/invitees/INV-${e.rescheduledTo}` : null,
    cancel_url: `https://calendly.com/cancellations/INV-${e.uuid}`,
    reschedule_url: `https://calendly.com/reschedulings/INV-${e.uuid}`,
    routing_form_submission: null,
    cancellation: null,
    payment: null,
    no_show: e.noShow ? { uri: `https://api.calendly.com/invitee_no_shows/NS-${e.uuid}`, created_at: "2026-03-10T16:00:00.000000Z" } : null,
    reconfirmation: null,
    scheduling_method: null,
    invitee_scheduled_by: null,
  };
}

const page = { count: 0, next_page: null, previous_page: null, next_page_token: null, previous_page_token: null };

export class FakeBookingProviders {
  /** Bookings Cal.com holds, by uid. */
  calcomBookings = new Map<string, CalcomBookingFixture>();
  /** API keys Cal.com accepts (the agency's own account). */
  calcomKeys = new Set(["cal_live_agency_key"]);
  /** Scheduled events Calendly holds, by uuid, in the agency's organisation. */
  calendlyEvents = new Map<string, CalendlyEventFixture>();
  calendlyTokens = new Set(["calendly_pat_agency"]);
  /** The next N requests to each host are answered 429, as a rate limit does. */
  rateLimited = { calcom: 0, calendly: 0 };

  constructor(on: On) {
    const limit = (host: "calcom" | "calendly"): Reply | null => {
      if (this.rateLimited[host] <= 0) return null;
      this.rateLimited[host]--;
      return host === "calcom"
        ? { status: 429, json: { status: "error", error: { code: "TooManyRequestsException", message: "ThrottlerException: Too Many Requests" } } }
        : { status: 429, json: { title: "Too Many Requests", message: "You have exceeded the rate limit." } };
    };
    const calcomKeyOk = (h: Record<string, string>) => this.calcomKeys.has((h.authorization ?? "").replace(/^Bearer /, ""));
    const calcomUnauthorized = { status: 401, json: { status: "error", timestamp: "2026-03-09T12:00:00.000Z", path: "/v2", error: { code: "UnauthorizedException", message: "Invalid Access Token." } } };
    const calendlyAuth = (h: Record<string, string>): Reply | null =>
      this.calendlyTokens.has((h.authorization ?? "").replace(/^Bearer /, ""))
        ? null
        : { status: 401, json: { title: "Unauthenticated", message: "The access token is invalid" } };

    on("GET", /^https:\/\/api\.cal\.com\/v2\/me$/, (req) =>
      limit("calcom") ??
      (calcomKeyOk(req.headers)
        ? { json: { status: "success", data: { id: 101, username: "brightline", email: "host@provider.example", timeFormat: 12, defaultScheduleId: 1, weekStart: "Monday", timeZone: "America/New_York", organizationId: null, organization: null } } }
        : calcomUnauthorized),
    );
    on("GET", /^https:\/\/api\.cal\.(com|eu)\/v2\/bookings\/[^/?]+$/, (req) => {
      const uid = decodeURIComponent(req.url.split("/").pop()!);
      const b = this.calcomBookings.get(uid);
      if (!b) return limit("calcom") ?? { status: 404, json: { status: "error", error: { code: "NotFoundException", message: `Booking with uid=${uid} was not found in the database` } } };
      return limit("calcom") ?? { json: { status: "success", data: calcomBookingJson(b, this.idOf(uid)) } };
    });
    on("GET", /^https:\/\/api\.cal\.com\/v2\/bookings\?/, (req) => {
      const limited = limit("calcom");
      if (limited) return limited;
      if (!calcomKeyOk(req.headers)) return calcomUnauthorized;
      const email = new URL(req.url).searchParams.get("attendeeEmail");
      const data = [...this.calcomBookings.values()].filter((b) => b.attendeeEmail === email).map((b) => calcomBookingJson(b, this.idOf(b.uid)));
      return {
        json: {
          status: "success",
          data,
          pagination: { totalItems: data.length, remainingItems: 0, returnedItems: data.length, itemsPerPage: 50, currentPage: 1, totalPages: 1, hasNextPage: false, hasPreviousPage: false },
        },
      };
    });
    on("GET", /^https:\/\/api\.calendly\.com\/users\/me$/, (req) =>
      limit("calendly") ??
      calendlyAuth(req.headers) ?? {
        json: {
          resource: {
            uri: CALENDLY_USER,
            name: "Brightline Host",
            slug: "brightline",
            email: "host@agency.example",
            scheduling_url: "https://calendly.com/brightline",
            timezone: "America/New_York",
            avatar_url: null,
            created_at: "2025-01-01T00:00:00.000000Z",
            updated_at: "2025-01-01T00:00:00.000000Z",
            current_organization: CALENDLY_ORG,
            resource_type: "User",
            locale: "en",
          },
        },
      },
    );
    on("GET", /^https:\/\/api\.calendly\.com\/scheduled_events\?/, (req) => {
      const refused = limit("calendly") ?? calendlyAuth(req.headers);
      if (refused) return refused;
      const q = new URL(req.url).searchParams;
      if (q.get("organization") !== CALENDLY_ORG) return { status: 403, json: { title: "Permission Denied", message: "You do not have permission" } };
      const collection = [...this.calendlyEvents.values()].filter((e) => e.inviteeEmail === q.get("invitee_email")).map(calendlyEventJson);
      return { json: { collection, pagination: { ...page, count: collection.length } } };
    });
    on("GET", /^https:\/\/api\.calendly\.com\/scheduled_events\/[^/?]+$/, (req) => {
      const refused = limit("calendly") ?? calendlyAuth(req.headers);
      if (refused) return refused;
      const e = this.calendlyEvents.get(decodeURIComponent(req.url.split("/").pop()!));
      return e ? { json: { resource: calendlyEventJson(e) } } : { status: 404, json: { title: "Resource Not Found", message: "The server could not find the requested resource." } };
    });
    on("GET", /^https:\/\/api\.calendly\.com\/scheduled_events\/[^/?]+\/invitees(\?|$)/, (req) => {
      const refused = limit("calendly") ?? calendlyAuth(req.headers);
      if (refused) return refused;
      const e = this.calendlyEvents.get(decodeURIComponent(new URL(req.url).pathname.split("/")[2]));
      const collection = e ? [calendlyInviteeJson(e)] : [];
      return { json: { collection, pagination: { ...page, count: collection.length } } };
    });
  }

  /** Cal.com's numeric id beside the uid, stable per booking. */
  private idOf(uid: string): number {
    return 9000 + [...this.calcomBookings.keys()].indexOf(uid);
  }
}

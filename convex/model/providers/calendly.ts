/**
 * Calendly's API v2 with an agency's personal access token: who the token
 * belongs to (and its organisation), the organisation's scheduled events for an
 * invitee's email, one event and its invitees (status, no_show, rescheduling).
 * Replies are zod-parsed with the nulls Calendly sends; failures become
 * CalendlyError with the HTTP status, never the token or the email.
 */
import { z } from "zod";

export const CALENDLY_API = "https://api.calendly.com";

export class CalendlyError extends Error {
  constructor(
    readonly statusCode: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "CalendlyError";
  }
}

const errorReply = z.object({ title: z.string().nullish(), message: z.string().nullish() });

async function callCalendly(what: string, url: string, token: string): Promise<unknown> {
  let response: Response;
  try {
    response = await globalThis.fetch(url, { method: "GET", headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new CalendlyError(undefined, `Calendly ${what}: network error`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = errorReply.safeParse(body).data?.title;
    throw new CalendlyError(response.status, `Calendly ${what} failed with HTTP ${response.status}${detail ? `: ${detail.slice(0, 120)}` : ""}`);
  }
  return body;
}

const userReply = z.object({ resource: z.object({ uri: z.string(), current_organization: z.string() }) });

const scheduledEvent = z.object({
  uri: z.string(),
  status: z.enum(["active", "canceled"]),
  start_time: z.string(),
  end_time: z.string().nullish(),
});
export type CalendlyEvent = z.infer<typeof scheduledEvent>;

const invitee = z.object({
  email: z.string().nullish(),
  status: z.enum(["active", "canceled"]),
  rescheduled: z.boolean().nullish(),
  new_invitee: z.string().nullish(),
  no_show: z.object({ uri: z.string().nullish() }).nullish(),
});
export type CalendlyInvitee = z.infer<typeof invitee>;

const eventsReply = z.object({ collection: z.array(scheduledEvent) });
const eventReply = z.object({ resource: scheduledEvent });
const inviteesReply = z.object({ collection: z.array(invitee) });

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new CalendlyError(200, `Calendly ${what}: unexpected reply shape`);
  return parsed.data;
}

/** The event's uuid: the last segment of its URI (also inside an invitee's URI, before /invitees/). */
export function eventUuid(uri: string): string | null {
  return /\/scheduled_events\/([^/?#]+)/.exec(uri)?.[1] ?? null;
}

/** Checks the token and names its user and organisation (GET /users/me). */
export async function calendlyMe(token: string): Promise<{ userUri: string; organizationUri: string }> {
  const { resource } = parse(userReply, await callCalendly("users/me", `${CALENDLY_API}/users/me`, token), "users/me");
  return { userUri: resource.uri, organizationUri: resource.current_organization };
}

/** The organisation's events with this invitee, active and canceled, soonest first. */
export async function listCalendlyEventsByEmail(token: string, organizationUri: string, email: string): Promise<CalendlyEvent[]> {
  const query = new URLSearchParams({ organization: organizationUri, invitee_email: email, sort: "start_time:asc", count: "100" });
  const body = await callCalendly("scheduled_events", `${CALENDLY_API}/scheduled_events?${query.toString()}`, token);
  return parse(eventsReply, body, "scheduled_events").collection;
}

/** One event; null when Calendly has none by that uuid. */
export async function fetchCalendlyEvent(token: string, uuid: string): Promise<CalendlyEvent | null> {
  try {
    const body = await callCalendly("event", `${CALENDLY_API}/scheduled_events/${encodeURIComponent(uuid)}`, token);
    return parse(eventReply, body, "event").resource;
  } catch (e) {
    if (e instanceof CalendlyError && e.statusCode === 404) return null;
    throw e;
  }
}

export async function listCalendlyInvitees(token: string, uuid: string): Promise<CalendlyInvitee[]> {
  const body = await callCalendly("invitees", `${CALENDLY_API}/scheduled_events/${encodeURIComponent(uuid)}/invitees?count=100`, token);
  return parse(inviteesReply, body, "invitees").collection;
}

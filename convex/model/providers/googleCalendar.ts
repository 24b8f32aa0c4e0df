/**
 * Google OAuth and Calendar API v3 as Atlas uses them: the consent URL, the
 * token endpoint (code exchange, refresh), freeBusy.query and events
 * insert/patch/delete/get. Request builders and reply parsers are pure; replies
 * are zod-parsed at the edge. Failures carry the HTTP status and Google's
 * short error code, never a token, an address or a request body.
 */
import { DateTime } from "luxon";
import { z } from "zod";
import { jsonOrNull, request } from "../channels/shared";
import { isRetryable } from "../retryPolicy";

export const GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth";
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const CALENDAR_API = "https://www.googleapis.com/calendar/v3";
/** Create and change events; read free/busy. Nothing wider. */
export const CALENDAR_SCOPES = [
  "https://www.googleapis.com/auth/calendar.events",
  "https://www.googleapis.com/auth/calendar.freebusy",
] as const;
export const CALLBACK_PATH = "/oauth/google/callback";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** Missing Google settings: names the variable, never a value. */
export class GoogleConfigError extends Error {}

export function oauthClientFromEnv(env: Record<string, string | undefined>): OAuthClient {
  const clientId = env.GOOGLE_CLIENT_ID?.trim();
  const clientSecret = env.GOOGLE_CLIENT_SECRET?.trim();
  if (!clientId) throw new GoogleConfigError("GOOGLE_CLIENT_ID is not set: create an OAuth client (README, Google Calendar)");
  if (!clientSecret) throw new GoogleConfigError("GOOGLE_CLIENT_SECRET is not set: create an OAuth client (README, Google Calendar)");
  const site = env.CONVEX_SITE_URL?.trim().replace(/\/+$/, "");
  const redirectUri = env.GOOGLE_REDIRECT_URI?.trim() || (site ? `${site}${CALLBACK_PATH}` : "");
  if (!redirectUri) throw new GoogleConfigError("GOOGLE_REDIRECT_URI is not set and CONVEX_SITE_URL is unknown");
  return { clientId, clientSecret, redirectUri };
}

/** The consent page: offline access and a forced consent so every grant carries a refresh token. */
export function consentUrl(client: OAuthClient, state: string): string {
  const params = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: "code",
    scope: CALENDAR_SCOPES.join(" "),
    access_type: "offline",
    prompt: "consent",
    include_granted_scopes: "true",
    state,
  });
  return `${GOOGLE_AUTH_URL}?${params.toString()}`;
}

/** Why a Google request did not succeed. `invalidGrant`: the refresh token is dead, only a new consent helps. */
export interface GoogleFailure {
  status: number | null;
  code?: string;
  retryable: boolean;
  invalidGrant: boolean;
  /** "Google token: HTTP 400 invalid_grant": status and code only. */
  error: string;
}

export type GoogleResult<T> = { ok: true; value: T } | { ok: false; failure: GoogleFailure };

/** OAuth errors: `{error: "invalid_grant", error_description}`. */
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });
/** API errors: `{error: {code, message, errors: [{domain, reason, message}]}}`. */
const apiError = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional() }).loose()).optional(),
    status: z.string().optional(),
  }),
});

function failure(what: string, status: number | null, code?: string): GoogleFailure {
  const invalidGrant = code === "invalid_grant";
  return {
    status,
    code,
    invalidGrant,
    retryable: !invalidGrant && isRetryable({ status, code }),
    error: `Google ${what}: ${status === null ? "network error" : `HTTP ${status}`}${code ? ` ${code}` : ""}`,
  };
}

/** Google's error code for a failed reply: the OAuth `error`, or the API's first `reason`. */
export function errorCode(body: unknown): string | undefined {
  const api = apiError.safeParse(body);
  if (api.success) return api.data.error.errors?.[0]?.reason ?? api.data.error.status;
  return oauthError.safeParse(body).data?.error;
}

const tokenReply = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});

export interface TokenGrant {
  accessToken: string;
  /** UTC ms. */
  expiresAt: number;
  /** Only on a fresh consent (and not always then). */
  refreshToken?: string;
  scopes: string[];
}

/** The scopes Atlas needs that the grant left out (granular consent lets a user untick them). */
export function missingScopes(granted: string[]): string[] {
  return CALENDAR_SCOPES.filter((s) => !granted.includes(s) && !granted.includes("https://www.googleapis.com/auth/calendar"));
}

async function tokenRequest(what: string, form: Record<string, string>, now: number): Promise<GoogleResult<TokenGrant>> {
  const res = await request(GOOGLE_TOKEN_URL, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  if (!res) return { ok: false, failure: failure(what, null) };
  const body = await jsonOrNull(res);
  if (!res.ok) return { ok: false, failure: failure(what, res.status, errorCode(body)) };
  const parsed = tokenReply.safeParse(body);
  if (!parsed.success) return { ok: false, failure: { ...failure(what, res.status, "unexpected_reply"), retryable: false } };
  const t = parsed.data;
  return {
    ok: true,
    value: {
      accessToken: t.access_token,
      expiresAt: now + t.expires_in * 1000,
      refreshToken: t.refresh_token,
      scopes: (t.scope ?? "").split(" ").filter(Boolean),
    },
  };
}

export function exchangeCode(client: OAuthClient, code: string, now: number): Promise<GoogleResult<TokenGrant>> {
  return tokenRequest(
    "code exchange",
    {
      grant_type: "authorization_code",
      code,
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uri: client.redirectUri,
    },
    now,
  );
}

export function refreshAccessToken(client: OAuthClient, refreshToken: string, now: number): Promise<GoogleResult<TokenGrant>> {
  return tokenRequest(
    "token refresh",
    { grant_type: "refresh_token", refresh_token: refreshToken, client_id: client.clientId, client_secret: client.clientSecret },
    now,
  );
}

export interface Interval {
  start: number;
  end: number;
}

export function freeBusyRequest(calendarId: string, timeMin: number, timeMax: number) {
  return { timeMin: new Date(timeMin).toISOString(), timeMax: new Date(timeMax).toISOString(), items: [{ id: calendarId }] };
}

const freeBusyReply = z.object({
  calendars: z.record(
    z.string(),
    z.object({
      busy: z.array(z.object({ start: z.string(), end: z.string() })).optional(),
      errors: z.array(z.object({ domain: z.string().optional(), reason: z.string() })).optional(),
    }),
  ),
});

/**
 * The calendar's busy intervals, or the reasons Google could not tell: an
 * answer with `errors` (or without the calendar) is unknown, never free.
 */
export function parseFreeBusy(body: unknown, calendarId: string): { busy: Interval[] } | { unknown: string } {
  const parsed = freeBusyReply.safeParse(body);
  if (!parsed.success) return { unknown: "unexpected free/busy reply" };
  const entry = parsed.data.calendars[calendarId];
  if (!entry) return { unknown: "calendar missing from the free/busy reply" };
  if (entry.errors && entry.errors.length > 0) return { unknown: `free/busy errors: ${entry.errors.map((e) => e.reason).join(", ")}` };
  const busy: Interval[] = [];
  for (const b of entry.busy ?? []) {
    const start = Date.parse(b.start);
    const end = Date.parse(b.end);
    if (!Number.isFinite(start) || !Number.isFinite(end)) return { unknown: "free/busy interval without a valid time" };
    if (end > start) busy.push({ start, end });
  }
  return { busy };
}

function auth(accessToken: string, json = true): HeadersInit {
  return json ? { authorization: `Bearer ${accessToken}`, "content-type": "application/json" } : { authorization: `Bearer ${accessToken}` };
}

const calendarPath = (calendarId: string) => `${CALENDAR_API}/calendars/${encodeURIComponent(calendarId)}/events`;

export async function queryFreeBusy(
  accessToken: string,
  calendarId: string,
  timeMin: number,
  timeMax: number,
): Promise<GoogleResult<{ busy: Interval[] } | { unknown: string }>> {
  const res = await request(`${CALENDAR_API}/freeBusy`, {
    method: "POST",
    headers: auth(accessToken),
    body: JSON.stringify(freeBusyRequest(calendarId, timeMin, timeMax)),
  });
  if (!res) return { ok: false, failure: failure("freeBusy", null) };
  const body = await jsonOrNull(res);
  if (!res.ok) return { ok: false, failure: failure("freeBusy", res.status, errorCode(body)) };
  return { ok: true, value: parseFreeBusy(body, calendarId) };
}

/** An event as Atlas writes it (events.insert / events.patch body). */
export interface CalendarEventBody {
  summary: string;
  description: string;
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  attendees: { email: string; displayName?: string }[];
}

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/** base32hex (a-v, 0-9), lowercase, unpadded: the alphabet Google accepts for client-chosen event ids. */
export function base32hex(text: string): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of new TextEncoder().encode(text)) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  return out;
}

/** The meeting's event id, the same on every attempt: a retried insert is refused as a duplicate, never doubled. */
export function eventIdFor(meetingId: string): string {
  return base32hex(`atlas${meetingId}`);
}

const eventReply = z.object({ id: z.string() }).loose();

type EventWrite = GoogleResult<{ eventId: string }> | { ok: false; failure: GoogleFailure; duplicate?: true; missing?: true };

async function eventCall(what: string, url: string, init: RequestInit, eventId: string): Promise<EventWrite> {
  const res = await request(url, init);
  if (!res) return { ok: false, failure: failure(what, null) };
  if (res.status === 204) return { ok: true, value: { eventId } };
  const body = await jsonOrNull(res);
  if (res.ok) {
    const parsed = eventReply.safeParse(body);
    return parsed.success ? { ok: true, value: { eventId: parsed.data.id } } : { ok: false, failure: { ...failure(what, res.status, "unexpected_reply"), retryable: true } };
  }
  const f = failure(what, res.status, errorCode(body));
  if (res.status === 409) return { ok: false, failure: f, duplicate: true };
  if (res.status === 404 || res.status === 410) return { ok: false, failure: f, missing: true };
  return { ok: false, failure: f };
}

/** events.insert with the client-chosen id; 409 (`duplicate`) means it was created before. */
export function insertEvent(accessToken: string, calendarId: string, eventId: string, event: CalendarEventBody): Promise<EventWrite> {
  return eventCall(
    "events.insert",
    `${calendarPath(calendarId)}?sendUpdates=none`,
    { method: "POST", headers: auth(accessToken), body: JSON.stringify({ id: eventId, ...event }) },
    eventId,
  );
}

/** events.patch: the event's time and details as they are now; 404/410 (`missing`) when it does not exist. */
export function patchEvent(accessToken: string, calendarId: string, eventId: string, event: CalendarEventBody): Promise<EventWrite> {
  return eventCall(
    "events.patch",
    `${calendarPath(calendarId)}/${encodeURIComponent(eventId)}?sendUpdates=none`,
    { method: "PATCH", headers: auth(accessToken), body: JSON.stringify({ ...event, status: "confirmed" }) },
    eventId,
  );
}

/** events.delete (Google keeps it as cancelled); 404/410 (`missing`) when it never existed or is gone already. */
export function deleteEvent(accessToken: string, calendarId: string, eventId: string): Promise<EventWrite> {
  return eventCall(
    "events.delete",
    `${calendarPath(calendarId)}/${encodeURIComponent(eventId)}?sendUpdates=none`,
    { method: "DELETE", headers: auth(accessToken, false) },
    eventId,
  );
}

/** An event's start or end as Google returns it: a timed `dateTime`, or an all-day `date`. */
const eventTime = z.object({ dateTime: z.string().optional(), date: z.string().optional(), timeZone: z.string().optional() }).loose();

const eventResource = z
  .object({
    id: z.string(),
    status: z.enum(["confirmed", "tentative", "cancelled"]).optional(),
    start: eventTime.optional(),
  })
  .loose();

/** What reconciliation reads of an event: whether it stands, and when it starts (UTC ms). */
export interface EventState {
  id: string;
  cancelled: boolean;
  start: number;
}

const isZone = (zone: string | undefined): zone is string => !!zone && DateTime.local().setZone(zone).isValid;

/**
 * An event's start as an instant, or null when it cannot be known. A timed
 * start needs its own offset, or (without one) the event's named zone: a
 * zone-less wall time is never guessed. An all-day `date` starts at midnight
 * in the event's zone, else the calendar's (`calendarZone`).
 */
export function eventStart(start: z.infer<typeof eventTime>, calendarZone: string): number | null {
  if (start.dateTime) {
    const offset = /(Z|[+-]\d{2}:?\d{2})$/i.test(start.dateTime);
    if (!offset && !isZone(start.timeZone)) return null;
    const t = DateTime.fromISO(start.dateTime, offset ? { setZone: true } : { zone: start.timeZone });
    return t.isValid ? t.toMillis() : null;
  }
  if (start.date && /^\d{4}-\d{2}-\d{2}$/.test(start.date)) {
    const zone = isZone(start.timeZone) ? start.timeZone : calendarZone;
    const t = DateTime.fromISO(start.date, { zone });
    return t.isValid ? t.toMillis() : null;
  }
  return null;
}

/**
 * The event as it stands (events.get), `{ missing: true }` when Google has no
 * such event (404, or 410 once deleted for good). A cancelled event may come
 * without its times: it is cancelled whatever its start.
 */
export function parseEventState(body: unknown, calendarZone: string): EventState | { unreadable: string } {
  const parsed = eventResource.safeParse(body);
  if (!parsed.success) return { unreadable: "unexpected event reply" };
  const e = parsed.data;
  const start = e.start ? eventStart(e.start, calendarZone) : null;
  if (e.status === "cancelled") return { id: e.id, cancelled: true, start: start ?? 0 };
  if (start === null) return { unreadable: "event start without a usable time or zone" };
  return { id: e.id, cancelled: false, start };
}

/**
 * calendars.get("primary"): the connected Google account, as the primary
 * calendar's id (the account's email). Events Atlas wrote belong to the
 * calendar of the account they were written under; a reconnect with another
 * account does not hold them.
 */
export async function primaryCalendarId(accessToken: string): Promise<GoogleResult<string>> {
  const res = await request(`${CALENDAR_API}/calendars/primary`, { method: "GET", headers: auth(accessToken, false) });
  if (!res) return { ok: false, failure: failure("calendars.get", null) };
  const body = await jsonOrNull(res);
  if (!res.ok) return { ok: false, failure: failure("calendars.get", res.status, errorCode(body)) };
  const id = z.object({ id: z.string().min(1) }).loose().safeParse(body);
  if (!id.success) return { ok: false, failure: { ...failure("calendars.get", res.status, "unexpected_reply"), retryable: false, error: "Google calendars.get: reply without an id" } };
  return { ok: true, value: id.data.id };
}

/** events.get: the event as it stands in the calendar now. */
export async function getEvent(
  accessToken: string,
  calendarId: string,
  eventId: string,
  calendarZone: string,
): Promise<GoogleResult<EventState | { missing: true }>> {
  const res = await request(`${calendarPath(calendarId)}/${encodeURIComponent(eventId)}`, { method: "GET", headers: auth(accessToken, false) });
  if (!res) return { ok: false, failure: failure("events.get", null) };
  const body = await jsonOrNull(res);
  if (res.status === 404 || res.status === 410) return { ok: true, value: { missing: true } };
  if (!res.ok) return { ok: false, failure: failure("events.get", res.status, errorCode(body)) };
  const state = parseEventState(body, calendarZone);
  if ("unreadable" in state) return { ok: false, failure: { ...failure("events.get", res.status, "unexpected_reply"), retryable: false, error: `Google events.get: ${state.unreadable}` } };
  return { ok: true, value: state };
}

/**
 * Google as the fake outside world answers it (FakeWorld.google): the OAuth
 * token endpoint (codes, refresh tokens that can be revoked, access tokens
 * that expire), freeBusy.query and events insert/patch/delete/get on one
 * calendar, calendars.get("primary") naming the signed-in account, with the
 * reply and error bodies Google documents. A test changes
 * an event "in Google" (the owner deletes, cancels or moves it) with
 * deleteInGoogle / cancelInGoogle / moveInGoogle.
 */
import type { RecordedRequest, Reply } from "./fakeWorld";

type Register = (method: string, match: RegExp, handle: (req: RecordedRequest) => Reply) => unknown;

export const GOOGLE_TEST_CLIENT = { id: "123-atlas.apps.googleusercontent.com", secret: "GOCSPX-test-secret" };
const SCOPES = "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy";
const EVENTS = /^https:\/\/www\.googleapis\.com\/calendar\/v3\/calendars\/([^/?]+)\/events(?:\/([^/?]+))?(?:\?.*)?$/;

/** OAuth errors: `{error, error_description}`. */
export function oauthError(status: number, error: string, description: string): Reply {
  return { status, json: { error, error_description: description } };
}

/** Calendar API errors: `{error: {code, message, errors: [{domain, reason, message}]}}`. */
export function apiError(code: number, reason: string, message: string, status?: string): Reply {
  return { status: code, json: { error: { code, message, errors: [{ domain: "global", reason, message }], ...(status ? { status } : {}) } } };
}

export interface FakeEvent {
  id: string;
  status: "confirmed" | "cancelled";
  summary?: string;
  description?: string;
  start?: { dateTime?: string; date?: string; timeZone?: string };
  end?: { dateTime?: string; date?: string; timeZone?: string };
  attendees?: { email: string; displayName?: string; responseStatus?: string }[];
  sequence: number;
  [field: string]: unknown;
}

export class FakeGoogle {
  /** The Google account consenting now: its primary calendar's id. */
  account = "team@brightline.example";
  /** Each other account's events, kept while another account is signed in. */
  private otherCalendars = new Map<string, Map<string, FakeEvent>>();
  /** The calendar's busy times as freeBusy reports them (transparent events are never here). */
  busy: { start: string; end: string }[] = [];
  /** When set, freeBusy answers these `errors` for the calendar instead of its busy times. */
  freeBusyErrors: { domain: string; reason: string }[] | null = null;
  /** Events on the calendar by id, cancelled ones kept (as Google keeps them). */
  events = new Map<string, FakeEvent>();
  /** Calendar API replies used up before the real answer (an outage): any API request takes the next. */
  apiFailures: Reply[] = [];
  /** API requests that take effect but whose reply is lost on the way (answered 503). */
  lostReplies = 0;
  /** Token endpoint replies used up before the real answer. */
  tokenFailures: Reply[] = [];
  /** Seconds an access token lives. */
  accessTokenLifetime = 3599;
  private codes = new Map<string, { used: boolean; scope: string; refresh: boolean }>();
  private refreshTokens = new Map<string, { revoked: boolean }>();
  private accessTokens = new Map<string, number>();
  private n = 0;

  constructor(private readonly all: () => RecordedRequest[], on: Register) {
    on("POST", /^https:\/\/oauth2\.googleapis\.com\/token$/, (req) => this.tokenShift() ?? this.token(req));
    on("POST", /^https:\/\/www\.googleapis\.com\/calendar\/v3\/freeBusy$/, (req) => this.api(req, () => this.freeBusy(req)));
    on("POST", EVENTS, (req) => this.api(req, () => this.insert(req)));
    on("PATCH", EVENTS, (req) => this.api(req, () => this.patch(req)));
    on("DELETE", EVENTS, (req) => this.api(req, () => this.remove(req)));
    on("GET", EVENTS, (req) => this.api(req, () => this.get(req)));
    on("GET", /^https:\/\/www\.googleapis\.com\/calendar\/v3\/calendars\/primary$/, (req) => this.api(req, () => this.primary()));
  }

  /** The owner signs in with another Google account: its calendar (empty when new) is the one the API now reaches. */
  switchAccount(account: string): void {
    this.otherCalendars.set(this.account, this.events);
    this.events = this.otherCalendars.get(account) ?? new Map();
    this.otherCalendars.delete(account);
    this.account = account;
  }

  /** The owner deletes the event and Google no longer has it: events.get answers 404. */
  deleteInGoogle(id: string): void {
    if (!this.events.delete(id)) throw new Error(`no event ${id} to delete`);
  }

  /** The owner cancels the event: Google keeps it, with status "cancelled" (events.delete then answers 410). */
  cancelInGoogle(id: string): void {
    this.event(id).status = "cancelled";
  }

  /** The owner drags the event to another time (in the calendar's own zone, as Google writes it back). */
  moveInGoogle(id: string, start: FakeEvent["start"], end: FakeEvent["end"]): void {
    const event = this.event(id);
    Object.assign(event, { start, end, sequence: event.sequence + 1 });
  }

  /** A consent's code, as Google's redirect carries it. `refresh: false`: Google sends no refresh token. */
  issueCode(opts: { scope?: string; refresh?: boolean } = {}): string {
    const code = `4/0AfJohX${this.serial()}`;
    this.codes.set(code, { used: false, scope: opts.scope ?? SCOPES, refresh: opts.refresh ?? true });
    return code;
  }

  /** The user removed Atlas's access (or the Testing-mode week ran out): every refresh token is dead. */
  revokeAll(): void {
    for (const t of this.refreshTokens.values()) t.revoked = true;
    this.accessTokens.clear();
  }

  /** Every access and refresh token Google issued, to prove none is stored in plain text. */
  get issuedTokens(): string[] {
    return [...this.refreshTokens.keys(), ...this.accessTokens.keys()];
  }

  get requests(): RecordedRequest[] {
    return this.all().filter((r) => /googleapis\.com/.test(r.url));
  }

  get refreshes(): RecordedRequest[] {
    return this.requests.filter((r) => r.url.includes("oauth2") && String(r.body).includes("grant_type=refresh_token"));
  }

  get freeBusyRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.url.endsWith("/freeBusy"));
  }

  eventRequests(method: "POST" | "PATCH" | "DELETE" | "GET"): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && EVENTS.test(r.url));
  }

  private event(id: string): FakeEvent {
    const event = this.events.get(id);
    if (!event) throw new Error(`no event ${id} in the fake calendar`);
    return event;
  }

  private serial(): number {
    return ++this.n;
  }

  private tokenShift(): Reply | undefined {
    return this.tokenFailures.shift();
  }

  private token(req: RecordedRequest): Reply {
    const form = new URLSearchParams(req.raw);
    if (form.get("client_id") !== GOOGLE_TEST_CLIENT.id || form.get("client_secret") !== GOOGLE_TEST_CLIENT.secret) {
      return oauthError(401, "invalid_client", "Unauthorized");
    }
    const access = () => {
      const token = `ya29.a0AfB_fake${this.serial()}`;
      this.accessTokens.set(token, Date.now() + this.accessTokenLifetime * 1000);
      return token;
    };
    if (form.get("grant_type") === "authorization_code") {
      const code = this.codes.get(form.get("code") ?? "");
      if (!code || code.used) return oauthError(400, "invalid_grant", "Bad Request");
      if (!form.get("redirect_uri")) return oauthError(400, "invalid_request", "Missing parameter: redirect_uri");
      code.used = true;
      const refresh = code.refresh ? `1//0gFakeRefresh${this.serial()}` : undefined;
      if (refresh) this.refreshTokens.set(refresh, { revoked: false });
      return {
        json: {
          access_token: access(),
          expires_in: this.accessTokenLifetime,
          ...(refresh ? { refresh_token: refresh } : {}),
          scope: code.scope,
          token_type: "Bearer",
        },
      };
    }
    if (form.get("grant_type") === "refresh_token") {
      const known = this.refreshTokens.get(form.get("refresh_token") ?? "");
      if (!known || known.revoked) return oauthError(400, "invalid_grant", "Token has been expired or revoked.");
      return { json: { access_token: access(), expires_in: this.accessTokenLifetime, scope: SCOPES, token_type: "Bearer" } };
    }
    return oauthError(400, "unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type"));
  }

  private api(req: RecordedRequest, answer: () => Reply): Reply {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const expires = token === undefined ? undefined : this.accessTokens.get(token);
    if (expires === undefined || expires <= Date.now()) {
      return {
        status: 401,
        json: {
          error: {
            code: 401,
            message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError", location: "Authorization", locationType: "header" }],
            status: "UNAUTHENTICATED",
          },
        },
      };
    }
    const failure = this.apiFailures.shift();
    if (failure) return failure;
    const reply = answer();
    if (this.lostReplies === 0) return reply;
    this.lostReplies--;
    return apiError(503, "backendError", "Backend Error");
  }

  private freeBusy(req: RecordedRequest): Reply {
    const body = req.body as { timeMin: string; timeMax: string; items: { id: string }[] };
    const min = Date.parse(body.timeMin);
    const max = Date.parse(body.timeMax);
    const calendars = Object.fromEntries(
      body.items.map(({ id }) => [
        id,
        this.freeBusyErrors
          ? { errors: this.freeBusyErrors, busy: [] }
          : { busy: this.busy.filter((b) => Date.parse(b.end) > min && Date.parse(b.start) < max) },
      ]),
    );
    return { json: { kind: "calendar#freeBusy", timeMin: body.timeMin, timeMax: body.timeMax, calendars } };
  }

  private resource(e: FakeEvent) {
    return {
      kind: "calendar#event",
      etag: `"33${e.sequence}${e.id.length}"`,
      htmlLink: `https://www.google.com/calendar/event?eid=${e.id}`,
      created: "2026-03-09T14:00:00.000Z",
      updated: new Date(Date.now()).toISOString(),
      creator: { email: "team@brightline.example", self: true },
      organizer: { email: "team@brightline.example", self: true },
      iCalUID: `${e.id}@google.com`,
      reminders: { useDefault: true },
      eventType: "default",
      ...e,
    };
  }

  private insert(req: RecordedRequest): Reply {
    const body = req.body as FakeEvent;
    if (typeof body.id !== "string" || !/^[a-v0-9]{5,1024}$/.test(body.id)) return apiError(400, "invalid", "Invalid resource id value.");
    if (this.events.has(body.id)) return apiError(409, "duplicate", "The requested identifier already exists.");
    const event: FakeEvent = {
      ...body,
      status: "confirmed",
      sequence: 0,
      attendees: body.attendees?.map((a) => ({ ...a, responseStatus: "needsAction" })),
    };
    this.events.set(body.id, event);
    return { json: this.resource(event) };
  }

  /** calendars.get("primary"): the primary calendar's id is the account's email. */
  private primary(): Reply {
    return {
      json: {
        kind: "calendar#calendar",
        etag: '"p33c9fake"',
        id: this.account,
        summary: this.account,
        timeZone: "America/New_York",
        conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
      },
    };
  }

  private get(req: RecordedRequest): Reply {
    const event = this.events.get(decodeURIComponent(EVENTS.exec(req.url)![2] ?? ""));
    if (!event) return apiError(404, "notFound", "Not Found");
    return { json: this.resource(event) };
  }

  private patch(req: RecordedRequest): Reply {
    const id = decodeURIComponent(EVENTS.exec(req.url)![2] ?? "");
    const event = this.events.get(id);
    if (!event) return apiError(404, "notFound", "Not Found");
    const body = req.body as Partial<FakeEvent>;
    const moved = body.start?.dateTime !== undefined && body.start.dateTime !== event.start?.dateTime;
    Object.assign(event, body, { sequence: event.sequence + (moved ? 1 : 0) });
    return { json: this.resource(event) };
  }

  private remove(req: RecordedRequest): Reply {
    const id = decodeURIComponent(EVENTS.exec(req.url)![2] ?? "");
    const event = this.events.get(id);
    if (!event) return apiError(404, "notFound", "Not Found");
    if (event.status === "cancelled") return apiError(410, "deleted", "Resource has been deleted");
    event.status = "cancelled";
    return { status: 204 };
  }
}

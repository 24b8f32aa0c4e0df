import { describe, expect, test } from "vitest";
import {
  base32hex,
  consentUrl,
  errorCode,
  eventIdFor,
  missingScopes,
  oauthClientFromEnv,
  parseEventState,
  parseFreeBusy,
} from "../../convex/model/providers/googleCalendar";

const client = { clientId: "id-1", clientSecret: "secret", redirectUri: "https://x.convex.site/oauth/google/callback" };

describe("event ids", () => {
  test("base32hex matches RFC 4648's extended-hex alphabet, lowercase and unpadded", () => {
    // RFC 4648 section 10 test vectors, lowercased, padding removed.
    expect(base32hex("f")).toBe("co");
    expect(base32hex("fo")).toBe("cpng");
    expect(base32hex("foo")).toBe("cpnmu");
    expect(base32hex("foob")).toBe("cpnmuog");
    expect(base32hex("fooba")).toBe("cpnmuoj1");
    expect(base32hex("foobar")).toBe("cpnmuoj1e8");
  });

  test("a meeting's event id is stable, distinct per meeting and in Google's alphabet", () => {
    const a = eventIdFor("j57a9x2y3z4w5v6u7t8s9r0q1p2n3m4k");
    expect(a).toBe(eventIdFor("j57a9x2y3z4w5v6u7t8s9r0q1p2n3m4k"));
    expect(a).not.toBe(eventIdFor("j57a9x2y3z4w5v6u7t8s9r0q1p2n3m4m"));
    expect(a).toMatch(/^[a-v0-9]{5,1024}$/);
  });
});

describe("OAuth", () => {
  test("the consent URL asks for offline access, a forced consent and the two calendar scopes", () => {
    const url = new URL(consentUrl(client, "st4te"));
    expect(url.origin + url.pathname).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: "id-1",
      redirect_uri: client.redirectUri,
      response_type: "code",
      access_type: "offline",
      prompt: "consent",
      state: "st4te",
      scope: "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy",
    });
  });

  test("settings: the redirect defaults to the site URL; a missing one is named, never its value", () => {
    expect(oauthClientFromEnv({ GOOGLE_CLIENT_ID: "a", GOOGLE_CLIENT_SECRET: "b", CONVEX_SITE_URL: "https://y.convex.site/" }).redirectUri).toBe(
      "https://y.convex.site/oauth/google/callback",
    );
    expect(() => oauthClientFromEnv({ GOOGLE_CLIENT_ID: "a" })).toThrow(/GOOGLE_CLIENT_SECRET is not set/);
    expect(() => oauthClientFromEnv({ GOOGLE_CLIENT_ID: "a", GOOGLE_CLIENT_SECRET: "b" })).toThrow(/GOOGLE_REDIRECT_URI/);
  });

  test("a grant without one of the calendar scopes is caught", () => {
    expect(missingScopes(["https://www.googleapis.com/auth/calendar.events"])).toEqual(["https://www.googleapis.com/auth/calendar.freebusy"]);
    expect(missingScopes(["https://www.googleapis.com/auth/calendar"])).toEqual([]);
  });

  test("error codes are read from both of Google's error shapes", () => {
    expect(errorCode({ error: "invalid_grant", error_description: "Token has been expired or revoked." })).toBe("invalid_grant");
    expect(errorCode({ error: { code: 403, message: "Rate Limit Exceeded", errors: [{ domain: "usageLimits", reason: "rateLimitExceeded" }] } })).toBe(
      "rateLimitExceeded",
    );
    expect(errorCode(null)).toBeUndefined();
  });
});

describe("free/busy replies", () => {
  test("busy intervals are read as instants, whatever offset Google wrote", () => {
    const reply = {
      kind: "calendar#freeBusy",
      timeMin: "2026-11-21T15:00:00.000Z",
      timeMax: "2026-11-29T15:00:00.000Z",
      calendars: { primary: { busy: [{ start: "2026-11-23T10:00:00-05:00", end: "2026-11-23T11:00:00-05:00" }] } },
    };
    expect(parseFreeBusy(reply, "primary")).toEqual({ busy: [{ start: Date.parse("2026-11-23T15:00:00Z"), end: Date.parse("2026-11-23T16:00:00Z") }] });
  });

  test("errors, or no entry for the calendar, are unknown, never free", () => {
    expect(parseFreeBusy({ calendars: { primary: { errors: [{ domain: "global", reason: "notFound" }], busy: [] } } }, "primary")).toEqual({
      unknown: "free/busy errors: notFound",
    });
    expect(parseFreeBusy({ calendars: {} }, "primary")).toMatchObject({ unknown: expect.any(String) });
    expect(parseFreeBusy({ nothing: true }, "primary")).toMatchObject({ unknown: expect.any(String) });
    expect(parseFreeBusy({ calendars: { primary: { busy: [{ start: "soon", end: "later" }] } } }, "primary")).toMatchObject({ unknown: expect.any(String) });
  });
});

describe("event replies (events.get)", () => {
  // As Google returns an event: extra fields, the owner's edits in their own zone.
  const event = (fields: Record<string, unknown>) => ({ kind: "calendar#event", id: "abc123", etag: '"3"', status: "confirmed", htmlLink: "https://www.google.com/calendar/event?eid=x", ...fields });

  test("a timed start with its offset is that instant, whatever zone is named beside it", () => {
    const body = event({ start: { dateTime: "2026-11-25T11:30:00-05:00", timeZone: "Europe/Paris" } });
    expect(parseEventState(body, "America/New_York")).toEqual({ id: "abc123", cancelled: false, start: Date.UTC(2026, 10, 25, 16, 30) });
  });

  test("a zone-less wall time is read in the event's named zone, with that date's own offset (DST)", () => {
    const summer = event({ start: { dateTime: "2026-07-01T09:00:00", timeZone: "America/New_York" } });
    const winter = event({ start: { dateTime: "2026-12-01T09:00:00", timeZone: "America/New_York" } });
    expect(parseEventState(summer, "UTC")).toMatchObject({ start: Date.UTC(2026, 6, 1, 13) });
    expect(parseEventState(winter, "UTC")).toMatchObject({ start: Date.UTC(2026, 11, 1, 14) });
  });

  test("a zone-less wall time without a usable zone is not guessed", () => {
    expect(parseEventState(event({ start: { dateTime: "2026-11-25T11:30:00" } }), "America/New_York")).toEqual({
      unreadable: "event start without a usable time or zone",
    });
    expect(parseEventState(event({ start: { dateTime: "2026-11-25T11:30:00", timeZone: "Mars/Olympus" } }), "UTC")).toHaveProperty("unreadable");
  });

  test("an all-day event starts at midnight in the calendar's zone", () => {
    expect(parseEventState(event({ start: { date: "2026-11-25" }, end: { date: "2026-11-26" } }), "America/New_York")).toMatchObject({
      start: Date.UTC(2026, 10, 25, 5),
    });
  });

  test("a cancelled event is cancelled, with or without its times", () => {
    expect(parseEventState({ kind: "calendar#event", id: "abc123", status: "cancelled" }, "UTC")).toMatchObject({ cancelled: true });
    expect(parseEventState(event({ status: "cancelled", start: { dateTime: "2026-11-25T11:30:00Z" } }), "UTC")).toMatchObject({ cancelled: true });
  });

  test("a reply without an id is unreadable", () => {
    expect(parseEventState({ status: "confirmed" }, "UTC")).toEqual({ unreadable: "unexpected event reply" });
  });
});

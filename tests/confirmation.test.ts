import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { newBackend } from "./setup";

type Backend = ReturnType<typeof newBackend>;

const RESEND_URL = "https://api.resend.com/emails";
// Mon 9 Mar 2026 10:00 EDT (New York is on summer time since Mar 8).
const NOW = new Date("2026-03-09T14:00:00Z");
// Tue 10 Mar 10:30 EDT = 14:30 UTC = 07:30 PDT.
const SLOT = "2026-03-10T10:30:00-04:00";

interface Delivered {
  key: string;
  to: string;
  subject: string;
  text: string;
  ics: string;
  contentType: string;
}

type Reply = number | "lost";

/**
 * Resend at fetch level. `script` gives the status of successive requests (200 when
 * empty); "lost" accepts the email but answers 500, like a response lost on the way.
 * Like Resend, a reused Idempotency-Key replays the first result instead of sending.
 */
function fakeResend(script: Reply[] = []) {
  const delivered: Delivered[] = [];
  const accepted = new Map<string, string>();
  const requests: { key: string | null; body: string }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url !== RESEND_URL) throw new Error(`unexpected fetch to ${url}`);
    const key = new Headers(init?.headers).get("Idempotency-Key");
    const raw = String(init?.body);
    requests.push({ key, body: raw });
    const reply = script.shift() ?? 200;
    if (typeof reply === "number" && reply !== 200) {
      return Response.json({ statusCode: reply, name: reply === 429 ? "rate_limit_exceeded" : reply >= 500 ? "internal_server_error" : "validation_error", message: `status ${reply}` }, { status: reply });
    }
    if (!key || !accepted.has(key)) {
      const body = JSON.parse(raw);
      const attachment = body.attachments[0];
      const bytes = Uint8Array.from(atob(attachment.content), (c) => c.charCodeAt(0));
      delivered.push({
        key: key ?? "",
        to: body.to[0],
        subject: body.subject,
        text: body.text,
        ics: new TextDecoder().decode(bytes),
        contentType: attachment.content_type,
      });
      accepted.set(key ?? String(delivered.length), `email_${delivered.length}`);
    }
    if (reply === "lost") return Response.json({ statusCode: 500, name: "internal_server_error", message: "lost" }, { status: 500 });
    return Response.json({ id: accepted.get(key ?? String(delivered.length)) });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { delivered, requests, fetchMock };
}

function prop(ics: string, name: string): string | undefined {
  return ics
    .replace(/\r\n[ \t]/g, "")
    .split("\r\n")
    .find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
}

async function seed(t: Backend, opts: { prospectEmail?: string | null } = {}) {
  const agencyId = await t.mutation(internal.agencies.create, {
    name: "Brightline Growth",
    timeZone: "America/New_York",
    availability: ["Mon-Fri 09:00-17:00"],
    email: "team@brightline.test",
  });
  return { agencyId, opportunityId: await addProspect(t, agencyId, opts) };
}

async function addProspect(t: Backend, agencyId: Id<"agencies">, opts: { prospectEmail?: string | null } = {}) {
  return t.mutation(internal.opportunities.create, {
    agencyId,
    name: "Dana Whitfield",
    phone: "+12015550123",
    email: opts.prospectEmail === null ? undefined : (opts.prospectEmail ?? "dana@example.com"),
    timeZone: "America/Los_Angeles",
  });
}

async function book(t: Backend, agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, iso = SLOT) {
  const callId = await t.run((ctx) =>
    ctx.db.insert("calls", {
      agencyId,
      opportunityId,
      direction: "outbound",
      status: "ended",
      attempt: 1,
      dialAt: Date.now(),
      offeredSlotsISO: [iso],
      agencyAvailabilityWindows: ["Mon-Fri 09:00-17:00"],
      futureMeetings: [],
      promptContext: "",
      updatedAt: Date.now(),
    }),
  );
  const result = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: iso });
  expect(result.status).toBe("booked");
  return result.meetingId!;
}

const settle = (t: Backend) => t.finishAllScheduledFunctions(vi.runAllTimers);

const deliveries = (t: Backend) => t.run((ctx) => ctx.db.query("deliveries").collect());

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  vi.stubEnv("RESEND_API_KEY", "re_test_key");
  vi.stubEnv("EMAIL_FROM", "Atlas <atlas@brightline.test>");
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("sendBookingConfirmation", () => {
  test("a booking emails the prospect and the agency an invite, each in their own zone", async () => {
    const resend = fakeResend();
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    const meetingId = await book(t, agencyId, opportunityId);
    await settle(t);

    expect(resend.delivered.map((d) => d.to)).toEqual(["dana@example.com", "team@brightline.test"]);
    const [prospect, agency] = resend.delivered;
    for (const d of resend.delivered) {
      expect(d.contentType).toBe("text/calendar; method=REQUEST");
      expect(prop(d.ics, "METHOD")).toBe("METHOD:REQUEST");
      expect(prop(d.ics, "UID")).toBe(`UID:${meetingId}@atlas`);
      expect(prop(d.ics, "SEQUENCE")).toBe("SEQUENCE:0");
      expect(prop(d.ics, "DTSTART")).toBe("DTSTART:20260310T143000Z");
      expect(prop(d.ics, "DTEND")).toBe("DTEND:20260310T150000Z");
      expect(prop(d.ics, "ORGANIZER")).toMatch(/mailto:team@brightline\.test$/i);
      expect(prop(d.ics, "ATTENDEE")).toMatch(/^ATTENDEE;RSVP=TRUE;.*mailto:dana@example\.com$/i);
    }
    expect(prospect.text).toContain("7:30 AM PDT (America/Los_Angeles)");
    expect(agency.text).toContain("10:30 AM EDT (America/New_York)");
    expect(prospect.key).toBe(`invite:${meetingId}:0:prospect`);
    expect(agency.key).toBe(`invite:${meetingId}:0:agency`);
    expect((await deliveries(t)).map((d) => [d.key, d.status, d.attempts])).toEqual([
      [`invite:${meetingId}:0:prospect`, "sent", 1],
      [`invite:${meetingId}:0:agency`, "sent", 1],
    ]);
  });

  test("running the action again sends nothing more", async () => {
    const resend = fakeResend();
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    const meetingId = await book(t, agencyId, opportunityId);
    await settle(t);
    await t.action(internal.followUp.sendBookingConfirmation, { meetingId });
    await t.action(internal.followUp.sendBookingConfirmation, { meetingId });
    expect(resend.fetchMock).toHaveBeenCalledTimes(2);
    expect(resend.delivered).toHaveLength(2);
  });

  test("Resend 500 then success: retried later with the same key and body, one email per recipient", async () => {
    const resend = fakeResend([500]);
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    await book(t, agencyId, opportunityId);
    await settle(t);

    expect(resend.delivered.map((d) => d.to).sort()).toEqual(["dana@example.com", "team@brightline.test"]);
    const prospectRequests = resend.requests.filter((r) => r.key?.endsWith(":prospect"));
    expect(prospectRequests).toHaveLength(2);
    expect(prospectRequests[1].body).toBe(prospectRequests[0].body);
    const rows = await deliveries(t);
    expect(rows.find((d) => d.key.endsWith(":prospect"))).toMatchObject({ status: "sent", attempts: 2, lastError: expect.stringContaining("500") });
    expect(rows.find((d) => d.key.endsWith(":agency"))).toMatchObject({ status: "sent", attempts: 1 });
  });

  test("a lost response is retried under the same idempotency key: still one email", async () => {
    const resend = fakeResend(["lost"]);
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    await book(t, agencyId, opportunityId);
    await settle(t);
    expect(resend.requests).toHaveLength(3);
    expect(resend.delivered.filter((d) => d.to === "dana@example.com")).toHaveLength(1);
  });

  test("429 is retried; a 422 fails at once without retry", async () => {
    const resend = fakeResend([429, 200, 422]);
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    await book(t, agencyId, opportunityId);
    await settle(t);
    // prospect: 429, agency: 200; retry run: prospect 422 -> failed.
    expect(resend.requests).toHaveLength(3);
    const rows = await deliveries(t);
    expect(rows.find((d) => d.key.endsWith(":prospect"))).toMatchObject({ status: "failed", attempts: 2, lastError: expect.stringContaining("422") });
    expect(rows.find((d) => d.key.endsWith(":agency"))).toMatchObject({ status: "sent" });
  });

  test("gives up after 5 attempts and marks the delivery failed", async () => {
    const resend = fakeResend(Array<Reply>(20).fill(503));
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t, { prospectEmail: null });
    await book(t, agencyId, opportunityId);
    await settle(t);
    expect(resend.requests).toHaveLength(5);
    expect(await deliveries(t)).toMatchObject([{ status: "failed", attempts: 5, lastError: expect.stringContaining("503") }]);
  });

  test("without RESEND_API_KEY: recorded as disabled, no request made", async () => {
    vi.stubEnv("RESEND_API_KEY", "");
    const resend = fakeResend();
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    await book(t, agencyId, opportunityId);
    await settle(t);
    expect(resend.fetchMock).not.toHaveBeenCalled();
    const rows = await deliveries(t);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ status: "disabled", lastError: expect.stringContaining("RESEND_API_KEY") });
  });

  test("no prospect email: only the agency is emailed", async () => {
    const resend = fakeResend();
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t, { prospectEmail: null });
    await book(t, agencyId, opportunityId);
    await settle(t);
    expect(resend.delivered.map((d) => d.to)).toEqual(["team@brightline.test"]);
    expect(prop(resend.delivered[0].ics, "ATTENDEE")).toBeUndefined();
  });
});

describe("reschedule and cancel", () => {
  test("updates keep the UID, raise SEQUENCE, and a cancellation sends METHOD:CANCEL", async () => {
    const resend = fakeResend();
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    const meetingId = await book(t, agencyId, opportunityId);
    await settle(t);

    const moved = await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: "2026-03-11T14:00:00-04:00" });
    expect(moved).toMatchObject({ sequence: 1, meetingTime: Date.UTC(2026, 2, 11, 18, 0) });
    expect(await t.run((ctx) => ctx.db.get("opportunities", opportunityId))).toMatchObject({
      status: "Booked",
      meetingTime: Date.UTC(2026, 2, 11, 18, 0),
    });
    await settle(t);

    await t.mutation(internal.meetings.cancel, { meetingId, reason: "prospect asked by email" });
    await t.mutation(internal.meetings.cancel, { meetingId }); // a second click changes nothing
    await settle(t);

    const prospect = resend.delivered.filter((d) => d.to === "dana@example.com");
    expect(prospect.map((d) => prop(d.ics, "UID"))).toEqual(Array(3).fill(`UID:${meetingId}@atlas`));
    expect(prospect.map((d) => prop(d.ics, "SEQUENCE"))).toEqual(["SEQUENCE:0", "SEQUENCE:1", "SEQUENCE:2"]);
    expect(prospect.map((d) => prop(d.ics, "METHOD"))).toEqual(["METHOD:REQUEST", "METHOD:REQUEST", "METHOD:CANCEL"]);
    expect(prop(prospect[1].ics, "DTSTART")).toBe("DTSTART:20260311T180000Z");
    expect(prospect[1].text).toContain("has moved to Wednesday, March 11, 2026 at 11:00 AM PDT");
    expect(prop(prospect[2].ics, "STATUS")).toBe("STATUS:CANCELLED");
    expect(prospect[2].contentType).toBe("text/calendar; method=CANCEL");
    expect(resend.delivered.filter((d) => d.to === "team@brightline.test")).toHaveLength(3);

    expect(await t.run((ctx) => ctx.db.get("meetings", meetingId))).toMatchObject({
      status: "cancelled",
      sequence: 2,
      cancelledAt: expect.any(Number),
      cancellationReason: "prospect asked by email",
    });
    const opportunity = await t.run((ctx) => ctx.db.get("opportunities", opportunityId));
    expect(opportunity?.status).toBe("Contacted");
    expect(opportunity?.meetingTime).toBeUndefined();
  });

  test("a move overlapping only the meeting's own old time is allowed", async () => {
    fakeResend();
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    const meetingId = await book(t, agencyId, opportunityId);
    const moved = await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: "2026-03-10T10:45:00-04:00" });
    expect(moved.sequence).toBe(1);
  });

  test.each([
    ["2026-03-10T11:00:00-04:00", /conflict/],
    ["2026-03-10T20:00:00-04:00", /outside availability/],
    ["2026-03-09T11:00:00-04:00", /too soon/],
    ["next tuesday", /"next tuesday"/],
  ])("a refused time %s throws naming why and changes nothing", async (newIsoTime, why) => {
    const resend = fakeResend();
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    const meetingId = await book(t, agencyId, opportunityId);
    await book(t, agencyId, await addProspect(t, agencyId), "2026-03-10T11:00:00-04:00");
    await settle(t);
    const before = await t.run((ctx) => ctx.db.get("meetings", meetingId));

    await expect(t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime })).rejects.toThrow(why);
    await settle(t);
    expect(await t.run((ctx) => ctx.db.get("meetings", meetingId))).toEqual(before);
    expect(resend.delivered).toHaveLength(4);
  });

  test("a cancelled meeting's slot is offered again at once", async () => {
    fakeResend();
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    const meetingId = await book(t, agencyId, opportunityId);
    const offered = async () =>
      (await t.query(internal.availability.getAvailableSlots, { agencyId })).slots.map((s) => Date.parse(s.iso));

    expect(await offered()).not.toContain(Date.parse(SLOT));
    await t.mutation(internal.meetings.cancel, { meetingId });
    expect(await offered()).toContain(Date.parse(SLOT));
  });

  test("a retry still pending for an older sequence is superseded, not sent", async () => {
    const resend = fakeResend([500]);
    const t = newBackend();
    const { agencyId, opportunityId } = await seed(t);
    const meetingId = await book(t, agencyId, opportunityId);
    vi.runOnlyPendingTimers();
    await t.finishInProgressScheduledFunctions(); // prospect 500 -> retry scheduled in a minute
    await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: "2026-03-11T14:00:00-04:00" });
    await settle(t);

    const rows = await deliveries(t);
    expect(rows.find((d) => d.key === `invite:${meetingId}:0:prospect`)).toMatchObject({ status: "skipped" });
    expect(resend.delivered.map((d) => [d.to, prop(d.ics, "SEQUENCE")])).toEqual([
      ["team@brightline.test", "SEQUENCE:0"],
      ["dana@example.com", "SEQUENCE:1"],
      ["team@brightline.test", "SEQUENCE:1"],
    ]);
  });
});

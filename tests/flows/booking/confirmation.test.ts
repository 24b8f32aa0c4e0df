import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { Email } from "../../helpers/fakeWorld";
import { outboxRows } from "../../helpers/backend";
import { addProspect, type Backend, bookAt, DANA_PHONE, MARCH_EMAIL_WORLD, runScheduled, setupWorld, type WorldOptions } from "../../helpers/world";
import { addresses, property } from "../../helpers/ics";

const RESEND_URL = "https://api.resend.com/emails";
// Tue 10 Mar 10:30 EDT = 14:30 UTC = 07:30 PDT.
const SLOT = "2026-03-10T10:30:00-04:00";

/** The invite a delivered email carries. */
const icsOf = (email: Email) => email.attachments[0].content;

/** The seeded world in March, invites sent from the agency's own address; `prospectEmail: null` leaves Dana without one. */
function seed(opts: { prospectEmail?: null; env?: WorldOptions["env"] } = {}) {
  return setupWorld({
    ...MARCH_EMAIL_WORLD,
    env: { EMAIL_FROM: "Atlas <atlas@brightline.test>", ...opts.env },
    prospect: { ...MARCH_EMAIL_WORLD.prospect, ...(opts.prospectEmail === null ? { email: undefined } : {}) },
  });
}

const book = (t: Backend, agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, iso = SLOT) => bookAt(t, agencyId, opportunityId, iso);

const deliveries = outboxRows;

describe("sendBookingConfirmation", () => {
  test("a booking emails the prospect and the agency an invite, each in their own zone", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const meetingId = await book(t, agencyId, opportunityId);
    await runScheduled(t);

    expect(world.deliveredEmails.map((d) => d.to)).toEqual([["dana@example.com"], ["team@brightline.test"]]);
    const [prospect, agency] = world.deliveredEmails;
    for (const d of world.deliveredEmails) {
      expect(d.attachments).toHaveLength(1);
      expect(d.attachments[0].contentType).toBe("text/calendar; method=REQUEST");
      expect(property(icsOf(d), "METHOD")).toBe("METHOD:REQUEST");
      expect(property(icsOf(d), "UID")).toBe(`UID:${meetingId}@atlas`);
      expect(property(icsOf(d), "SEQUENCE")).toBe("SEQUENCE:0");
      expect(property(icsOf(d), "DTSTART")).toBe("DTSTART:20260310T143000Z");
      expect(property(icsOf(d), "DTEND")).toBe("DTEND:20260310T150000Z");
      expect(addresses(icsOf(d), "ORGANIZER")).toEqual(["atlas@brightline.test"]);
      expect(addresses(icsOf(d), "ATTENDEE")).toEqual(["dana@example.com", "team@brightline.test"]);
      expect(addresses(icsOf(d), "ATTENDEE")).toContain(d.to[0]);
    }
    expect(prospect.text).toContain("7:30 AM PDT (America/Los_Angeles)");
    expect(agency.text).toContain("10:30 AM EDT (America/New_York)");
    expect(prospect.idempotencyKey).toBe(`invite:${meetingId}:0:prospect`);
    expect(agency.idempotencyKey).toBe(`invite:${meetingId}:0:agency`);
    expect((await deliveries(t)).map((d) => [d.key, d.status, d.attempts])).toEqual([
      [`invite:${meetingId}:0:prospect`, "sent", 1],
      [`invite:${meetingId}:0:agency`, "sent", 1],
    ]);
  });

  test("running the action again sends nothing more", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const meetingId = await book(t, agencyId, opportunityId);
    await runScheduled(t);
    await t.action(internal.followUp.sendBookingConfirmation, { meetingId });
    await t.action(internal.followUp.sendBookingConfirmation, { meetingId });
    expect(world.requests).toHaveLength(2);
    expect(world.deliveredEmails).toHaveLength(2);
  });

  test("Resend 500 then success: retried later with the same key and body, one email per recipient", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    world.resendReplies = [500];
    await book(t, agencyId, opportunityId);
    await runScheduled(t);

    expect(world.deliveredEmails.map((d) => d.to).sort()).toEqual([["dana@example.com"], ["team@brightline.test"]]);
    const prospectRequests = world.to(RESEND_URL).filter((r) => r.headers["idempotency-key"]?.endsWith(":prospect"));
    expect(prospectRequests).toHaveLength(2);
    expect(prospectRequests[1].raw).toBe(prospectRequests[0].raw);
    const rows = await deliveries(t);
    expect(rows.find((d) => d.key.endsWith(":prospect"))).toMatchObject({ status: "sent", attempts: 2, lastError: expect.stringContaining("500") });
    expect(rows.find((d) => d.key.endsWith(":agency"))).toMatchObject({ status: "sent", attempts: 1 });
  });

  test("a lost response is retried under the same idempotency key: still one email", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    world.resendReplies = ["lost"];
    await book(t, agencyId, opportunityId);
    await runScheduled(t);
    expect(world.to(RESEND_URL)).toHaveLength(3);
    expect(world.deliveredEmails.filter((d) => d.to[0] === "dana@example.com")).toHaveLength(1);
  });

  test("429 is retried; a 422 fails at once without retry", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    world.resendReplies = [429, 200, 422];
    await book(t, agencyId, opportunityId);
    await runScheduled(t);
    // prospect: 429, agency: 200; retry run: prospect 422 -> failed.
    expect(world.to(RESEND_URL)).toHaveLength(3);
    const rows = await deliveries(t);
    expect(rows.find((d) => d.key.endsWith(":prospect"))).toMatchObject({ status: "failed", attempts: 2, lastError: expect.stringContaining("422") });
    expect(rows.find((d) => d.key.endsWith(":agency"))).toMatchObject({ status: "sent" });
  });

  test("gives up after 5 attempts and marks the delivery failed", async () => {
    const { t, world, agencyId, opportunityId } = await seed({ prospectEmail: null });
    world.resendReplies = Array<number>(20).fill(503);
    await book(t, agencyId, opportunityId);
    await runScheduled(t);
    expect(world.to(RESEND_URL)).toHaveLength(5);
    expect(await deliveries(t)).toMatchObject([{ status: "failed", attempts: 5, lastError: expect.stringContaining("503") }]);
  });

  test("without RESEND_API_KEY: recorded as disabled, no request made", async () => {
    const { t, world, agencyId, opportunityId } = await seed({ env: { RESEND_API_KEY: "" } });
    await book(t, agencyId, opportunityId);
    await runScheduled(t);
    expect(world.requests).toHaveLength(0);
    const rows = await deliveries(t);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ status: "disabled", lastError: expect.stringContaining("RESEND_API_KEY") });
  });

  test("no prospect email: only the agency is emailed", async () => {
    const { t, world, agencyId, opportunityId } = await seed({ prospectEmail: null });
    await book(t, agencyId, opportunityId);
    await runScheduled(t);
    expect(world.deliveredEmails.map((d) => d.to)).toEqual([["team@brightline.test"]]);
    // Still a REQUEST with an ATTENDEE (RFC 5546): the agency, so its mail client offers it as an invite.
    const ics = icsOf(world.deliveredEmails[0]);
    expect(property(ics, "METHOD")).toBe("METHOD:REQUEST");
    expect(addresses(ics, "ATTENDEE")).toEqual(["team@brightline.test"]);
    expect(addresses(ics, "ORGANIZER")).toEqual(["atlas@brightline.test"]);
  });
});

describe("reschedule and cancel", () => {
  test("updates keep the UID, raise SEQUENCE, and a cancellation sends METHOD:CANCEL", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const meetingId = await book(t, agencyId, opportunityId);
    await runScheduled(t);

    const moved = await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: "2026-03-11T14:00:00-04:00" });
    expect(moved).toMatchObject({ sequence: 1, meetingTime: Date.UTC(2026, 2, 11, 18, 0) });
    expect(await t.run((ctx) => ctx.db.get("opportunities", opportunityId))).toMatchObject({
      status: "Booked",
      meetingTime: Date.UTC(2026, 2, 11, 18, 0),
    });
    await runScheduled(t);

    await t.mutation(internal.meetings.cancel, { meetingId, reason: "prospect asked by email" });
    await t.mutation(internal.meetings.cancel, { meetingId }); // a second click changes nothing
    await runScheduled(t);

    const prospect = world.deliveredEmails.filter((d) => d.to[0] === "dana@example.com");
    expect(prospect.map((d) => property(icsOf(d), "UID"))).toEqual(Array(3).fill(`UID:${meetingId}@atlas`));
    expect(prospect.map((d) => property(icsOf(d), "SEQUENCE"))).toEqual(["SEQUENCE:0", "SEQUENCE:1", "SEQUENCE:2"]);
    expect(prospect.map((d) => property(icsOf(d), "METHOD"))).toEqual(["METHOD:REQUEST", "METHOD:REQUEST", "METHOD:CANCEL"]);
    expect(property(icsOf(prospect[1]), "DTSTART")).toBe("DTSTART:20260311T180000Z");
    expect(prospect[1].text).toContain("has moved to Wednesday, March 11, 2026 at 11:00 AM PDT");
    expect(property(icsOf(prospect[2]), "STATUS")).toBe("STATUS:CANCELLED");
    expect(prospect[2].attachments[0].contentType).toBe("text/calendar; method=CANCEL");
    expect(world.deliveredEmails.filter((d) => d.to[0] === "team@brightline.test")).toHaveLength(3);

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
    const { t, agencyId, opportunityId } = await seed();
    const meetingId = await book(t, agencyId, opportunityId);
    const moved = await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: "2026-03-10T10:45:00-04:00" });
    expect(moved.sequence).toBe(1);
  });

  test.each([
    ["2026-03-10T11:00:00-04:00", /conflict/],
    ["2026-03-10T20:00:00-04:00", /outside availability/],
    ["2026-03-09T11:00:00-04:00", /too soon/],
    ["next tuesday", /^newIsoTime is not an ISO time with an offset$/],
  ])("a refused time %s throws naming why and changes nothing", async (newIsoTime, why) => {
    const { t, world, agencyId, opportunityId } = await seed();
    const meetingId = await book(t, agencyId, opportunityId);
    await book(t, agencyId, await addProspect(t, agencyId, "Dana Whitfield", DANA_PHONE, MARCH_EMAIL_WORLD.prospect), "2026-03-10T11:00:00-04:00");
    await runScheduled(t);
    const before = await t.run((ctx) => ctx.db.get("meetings", meetingId));

    await expect(t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime })).rejects.toThrow(why);
    await runScheduled(t);
    expect(await t.run((ctx) => ctx.db.get("meetings", meetingId))).toEqual(before);
    expect(world.deliveredEmails).toHaveLength(4);
  });

  test("a cancelled meeting's slot is offered again at once", async () => {
    const { t, agencyId, opportunityId } = await seed();
    const meetingId = await book(t, agencyId, opportunityId);
    const offered = async () =>
      (await t.query(internal.availability.getAvailableSlots, { agencyId })).slots.map((s) => Date.parse(s.iso));

    expect(await offered()).not.toContain(Date.parse(SLOT));
    await t.mutation(internal.meetings.cancel, { meetingId });
    expect(await offered()).toContain(Date.parse(SLOT));
  });

  test("a retry still pending for an older sequence is superseded, not sent", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    world.resendReplies = [500];
    const meetingId = await book(t, agencyId, opportunityId);
    vi.runOnlyPendingTimers();
    await t.finishInProgressScheduledFunctions(); // prospect 500 -> retry scheduled in a minute
    await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: "2026-03-11T14:00:00-04:00" });
    await runScheduled(t);

    const rows = await deliveries(t);
    expect(rows.find((d) => d.key === `invite:${meetingId}:0:prospect`)).toMatchObject({ status: "skipped" });
    expect(world.deliveredEmails.map((d) => [d.to[0], property(icsOf(d), "SEQUENCE")])).toEqual([
      ["team@brightline.test", "SEQUENCE:0"],
      ["dana@example.com", "SEQUENCE:1"],
      ["team@brightline.test", "SEQUENCE:1"],
    ]);
  });
});

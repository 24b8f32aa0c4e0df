/**
 * The agency's own booking system: connected with a key checked when saved and
 * stored encrypted; a prospect who booked there (after a link-first call, say) is
 * found by email and recorded once, the opportunity Booked, retries withdrawn,
 * staff told; the agency's booking then keeps the meeting's state (no-show).
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { notificationRows } from "../../helpers/backend";
import { CALENDLY_ORG } from "../../helpers/fakeBookingProviders";
import { historyOf, meetingOf, reconcile, syncNow } from "../../helpers/lifecycle";
import { addProspect, type Backend, callsOf, noAnswer, placeCall, rows, setupWorld, slackOn } from "../../helpers/world";

const HOUR = 3_600_000;
const CAL_KEY = "cal_live_agency_key";
const CALENDLY_TOKEN = "calendly_pat_agency";

/** Dana called once without an answer: Contacted, a retry waiting; staff hear about bookings on Slack. */
async function contactedProspect() {
  const w = await setupWorld();
  const placed = await placeCall(w.t, w.opportunityId);
  await noAnswer(w.t, placed.vapiCallId, placed.callId);
  const waiting = (await callsOf(w.t, w.opportunityId)).filter((c) => c.status === "scheduled");
  expect(waiting).toHaveLength(1);
  await slackOn(w.t, w.agencyId, "booked");
  return { ...w, retryId: waiting[0]._id };
}

async function opportunity(t: Backend, id: Id<"opportunities">) {
  return (await t.run((ctx) => ctx.db.get("opportunities", id)))!;
}

describe("connectProvider", () => {
  test("checks the key with the provider, stores it encrypted, never returns it; a refused key stores nothing", { timeout: 60_000 }, async () => {
    const { t, world, agencyId } = await setupWorld();
    await expect(t.action(internal.calendar.connectProvider, { agencyId, provider: "calcom", apiKey: "cal_live_wrong" })).rejects.toThrow(
      /apiKey was refused by Cal\.com \(HTTP 401\)/,
    );
    await expect(t.action(internal.calendar.connectProvider, { agencyId, provider: "calendly", apiKey: "  " })).rejects.toThrow(/apiKey is empty/);
    expect(await rows(t, "bookingConnections")).toEqual([]);

    const saved = await t.action(internal.calendar.connectProvider, { agencyId, provider: "calcom", apiKey: ` ${CAL_KEY} ` });
    expect(JSON.stringify(saved)).not.toContain(CAL_KEY);
    const [me] = world.to(/^https:\/\/api\.cal\.com\/v2\/me$/).slice(-1);
    expect(me.headers.authorization).toBe(`Bearer ${CAL_KEY}`);

    await t.action(internal.calendar.connectProvider, { agencyId, provider: "calendly", apiKey: CALENDLY_TOKEN });
    const stored = await rows(t, "bookingConnections");
    expect(stored.map((c) => c.provider).sort()).toEqual(["calcom", "calendly"]);
    for (const c of stored) {
      expect(c.apiKey).toMatch(/^v1:/);
      expect(JSON.stringify(c)).not.toContain(CAL_KEY);
      expect(JSON.stringify(c)).not.toContain(CALENDLY_TOKEN);
    }
    expect(stored.find((c) => c.provider === "calendly")?.organizationUri).toBe(CALENDLY_ORG);
  });
});

describe("a prospect who booked on the agency's own page", () => {
  test("found in the agency's Cal.com by email: recorded once, Booked, the retry withdrawn, staff notified", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId, retryId } = await contactedProspect();
    await t.action(internal.calendar.connectProvider, { agencyId, provider: "calcom", apiKey: CAL_KEY });
    const start = Date.now() + 30 * HOUR;
    world.providers.calcomBookings.set("cal_uid_1", { uid: "cal_uid_1", start: new Date(start).toISOString(), attendeeEmail: "dana@clinic.example" });

    await syncNow(t, agencyId);
    await reconcile(t);

    const meetings = await rows(t, "meetings");
    expect(meetings).toHaveLength(1);
    expect(meetings[0]).toMatchObject({ source: "agency_link", providerBookingId: "cal_uid_1", bookingProvider: "calcom", status: "booked", meetingTime: start });
    expect(await opportunity(t, opportunityId)).toMatchObject({ status: "Booked", meetingTime: start });
    expect((await t.run((ctx) => ctx.db.get("calls", retryId)))?.status).toBe("cancelled");
    expect((await rows(t, "notificationItems")).filter((n) => n.event === "booked" && n.opportunityId === opportunityId)).toHaveLength(1);
    expect((await notificationRows(t)).map((n) => n.kind)).toEqual(["slack"]);
    expect((await historyOf(t, meetings[0]._id)).map((e) => e.kind)).toEqual(["booked", "verified", "mismatch"]);
    expect((await rows(t, "meetingMismatches")).map((m) => [m.kind, m.resolved])).toEqual([["provider_booking_not_recorded", true]]);
    const lookup = new URL(world.to(/^https:\/\/api\.cal\.com\/v2\/bookings\?/)[0].url);
    expect(lookup.searchParams.get("attendeeEmail")).toBe("dana@clinic.example");
    // The agency's Cal.com sends its own confirmations: Atlas sends no invite for this meeting.
    expect((await rows(t, "outbox")).filter((r) => r.message.kind === "invite")).toEqual([]);
    // Billed once as a booked meeting, however often reconciliation finds the booking again.
    await reconcile(t, 2);
    const month = new Date().toISOString().slice(0, 7);
    expect(await t.query(internal.usage.month, { agencyId, month })).toMatchObject({ bookedMeetings: 1 });
  });

  test("found in the agency's Calendly organisation by email, recorded with the event's uuid", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId, retryId } = await contactedProspect();
    await t.action(internal.calendar.connectProvider, { agencyId, provider: "calendly", apiKey: CALENDLY_TOKEN });
    const start = Date.now() + 50 * HOUR;
    world.providers.calendlyEvents.set("EVT1", { uuid: "EVT1", start: new Date(start).toISOString(), inviteeEmail: "dana@clinic.example" });
    // An older cancelled event of hers is not the booking.
    world.providers.calendlyEvents.set("EVT0", { uuid: "EVT0", start: new Date(start - 24 * HOUR).toISOString(), inviteeEmail: "dana@clinic.example", status: "canceled" });

    await syncNow(t, agencyId);
    await reconcile(t);

    const meetings = await rows(t, "meetings");
    expect(meetings).toHaveLength(1);
    expect(meetings[0]).toMatchObject({ source: "agency_link", providerBookingId: "EVT1", bookingProvider: "calendly", meetingTime: start });
    expect(await opportunity(t, opportunityId)).toMatchObject({ status: "Booked" });
    expect((await t.run((ctx) => ctx.db.get("calls", retryId)))?.status).toBe("cancelled");
    const list = new URL(world.to(/^https:\/\/api\.calendly\.com\/scheduled_events\?/)[0].url).searchParams;
    expect([list.get("organization"), list.get("invitee_email")]).toEqual([CALENDLY_ORG, "dana@clinic.example"]);
    expect(world.to(/^https:\/\/api\.calendly\.com\//).every((r) => r.headers.authorization === `Bearer ${CALENDLY_TOKEN}`)).toBe(true);
  });

  test("the prospect marked absent on the agency's Cal.com booking: no_show after the meeting; Calendly's no_show likewise", { timeout: 60_000 }, async () => {
    const { t, world, agencyId } = await contactedProspect();
    await t.action(internal.calendar.connectProvider, { agencyId, provider: "calcom", apiKey: CAL_KEY });
    await t.action(internal.calendar.connectProvider, { agencyId, provider: "calendly", apiKey: CALENDLY_TOKEN });
    const lee = await addProspect(t, agencyId, "Lee Park", "+12015550188", { email: "lee@shop.example" });
    const start = Date.now() + 3 * HOUR;
    const booking = { uid: "cal_uid_9", start: new Date(start).toISOString(), attendeeEmail: "dana@clinic.example" };
    world.providers.calcomBookings.set(booking.uid, booking);
    world.providers.calendlyEvents.set("EVT7", { uuid: "EVT7", start: new Date(start + HOUR).toISOString(), inviteeEmail: "lee@shop.example" });
    await reconcile(t);
    const meetings = await rows(t, "meetings");
    expect(meetings.map((m) => m.bookingProvider).sort()).toEqual(["calcom", "calendly"]);
    const meeting = meetings.find((m) => m.bookingProvider === "calcom")!;
    const leeMeeting = meetings.find((m) => m.opportunityId === lee)!;

    vi.setSystemTime(start + 3 * HOUR);
    world.providers.calcomBookings.set(booking.uid, { ...booking, attendeeAbsent: true });
    world.providers.calendlyEvents.get("EVT7")!.noShow = true;
    await reconcile(t, 2);
    expect((await meetingOf(t, meeting._id)).status).toBe("no_show");
    expect((await meetingOf(t, leeMeeting._id)).status).toBe("no_show");
    expect((await historyOf(t, meeting._id)).filter((e) => e.kind === "no_show")).toEqual([expect.objectContaining({ source: "provider" })]);
    const reads = world.to(/^https:\/\/api\.cal\.com\/v2\/bookings\/cal_uid_9$/);
    expect(reads.at(-1)?.headers.authorization).toBe(`Bearer ${CAL_KEY}`);
  });
});

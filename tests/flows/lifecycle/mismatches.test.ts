/**
 * The mismatch report: computed from what reconciliation stored, its four kinds,
 * resolved once the provider's state is applied, no contact details; and a
 * provider's 429 leaves the page to be retried later, nothing lost.
 */
import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { meetingFields, meetingOf, reconcile, syncNow } from "../../helpers/lifecycle";
import { addProspect, type Backend, rows, runScheduled, setupWorld } from "../../helpers/world";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

async function seed(t: Backend, agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, meetingTime: number, fields: Parameters<typeof meetingFields>[3] = {}) {
  return await t.run(async (ctx) => {
    await ctx.db.patch("opportunities", opportunityId, { status: "Booked", meetingTime });
    return await ctx.db.insert("meetings", meetingFields(agencyId, opportunityId, meetingTime, fields));
  });
}

describe("mismatch report", () => {
  test("the four kinds, open or resolved, from stored results only, without contact details", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId: dana } = await setupWorld();
    await t.action(internal.calendar.connectProvider, { agencyId, provider: "calcom", apiKey: "cal_live_agency_key" });
    const lee = await addProspect(t, agencyId, "Lee Park", "+12015550188", { email: "lee@shop.example" });
    const kim = await addProspect(t, agencyId, "Kim Ode", "+12015550177", { email: "kim@firm.example" });
    const sam = await addProspect(t, agencyId, "Sam Roy", "+12015550166", { email: "sam@co.example" });
    const soon = Date.now() + DAY;

    // The AI booked Dana, but the agency's Cal.com has nothing for her.
    const aiMeeting = await seed(t, agencyId, dana, soon);
    // Lee booked on the agency's Cal.com; Atlas never heard of it.
    world.providers.calcomBookings.set("cal_lee", { uid: "cal_lee", start: iso(soon + 2 * HOUR), attendeeEmail: "lee@shop.example" });
    // Kim's agency booking was cancelled there.
    const kimMeeting = await seed(t, agencyId, kim, soon + 4 * HOUR, { source: "agency_link", bookingProvider: "calcom", providerBookingId: "cal_kim" });
    world.providers.calcomBookings.set("cal_kim", { uid: "cal_kim", start: iso(soon + 4 * HOUR), attendeeEmail: "kim@firm.example", status: "cancelled" });
    // Sam's is on a Calendly the agency has not connected: no access.
    const samMeeting = await seed(t, agencyId, sam, soon + 6 * HOUR, { source: "agency_link", bookingProvider: "calendly", providerBookingId: "EVT_SAM" });

    await reconcile(t, 3);

    const report = await t.query(internal.meetings.mismatchReport, { agencyId });
    const byKind = Object.fromEntries(report.map((r) => [r.kind, r]));
    expect(Object.keys(byKind).sort()).toEqual([
      "ai_booked_without_provider_event",
      "cancelled_at_provider_still_booked",
      "provider_booking_not_recorded",
      "unverifiable",
    ]);
    expect(report).toHaveLength(4);
    expect(byKind.ai_booked_without_provider_event).toMatchObject({ opportunityId: dana, meetingId: aiMeeting, resolved: false });
    expect(byKind.provider_booking_not_recorded).toMatchObject({ opportunityId: lee, resolved: true });
    expect(byKind.cancelled_at_provider_still_booked).toMatchObject({ opportunityId: kim, meetingId: kimMeeting, resolved: true });
    expect(byKind.unverifiable).toMatchObject({ opportunityId: sam, meetingId: samMeeting, resolved: false });
    expect((await meetingOf(t, kimMeeting)).status).toBe("cancelled");
    const text = JSON.stringify(report);
    for (const contact of ["@", "+1201", "Dana", "Lee", "Kim", "Sam"]) expect(text).not.toContain(contact);

    // The agency puts Dana's meeting in its Cal.com: verified, the mismatch resolved.
    world.providers.calcomBookings.set("cal_dana", { uid: "cal_dana", start: iso(soon), attendeeEmail: "dana@clinic.example" });
    await reconcile(t);
    const after = await t.query(internal.meetings.mismatchReport, { agencyId });
    expect(after.find((r) => r.kind === "ai_booked_without_provider_event")?.resolved).toBe(true);
    expect(await meetingOf(t, aiMeeting)).toMatchObject({ providerBookingId: "cal_dana", bookingProvider: "calcom" });
    expect((await meetingOf(t, aiMeeting)).verifiedAt).toBeDefined();
    expect(await t.query(internal.meetings.mismatchReport, { agencyId, sinceDays: 30 })).toHaveLength(4);

    // The report reads stored rows only: no provider is asked.
    const asked = world.requests.length;
    await t.query(internal.meetings.mismatchReport, { agencyId, sinceDays: 7 });
    expect(world.requests.length).toBe(asked);
    await expect(t.query(internal.meetings.mismatchReport, { agencyId, sinceDays: -1 })).rejects.toThrow(/sinceDays/);
  });
});

describe("provider rate limits", () => {
  test("a 429 stops the page; it is retried later with the shared policy and applied once, nothing lost", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    const meetingId = await seed(t, agencyId, opportunityId, Date.now() + DAY, { source: "prospect_link", bookingProvider: "calcom", providerBookingId: "bk_9" });
    world.providers.calcomBookings.set("bk_9", { uid: "bk_9", start: iso(Date.now() + DAY), attendeeEmail: "team@brightline.example", status: "cancelled" });
    world.providers.rateLimited.calcom = 1;
    const now = Date.now();

    await syncNow(t, agencyId);
    expect((await meetingOf(t, meetingId)).status).toBe("booked");
    const [state] = await rows(t, "calendarSyncState");
    expect(state.rateLimited).toBe(1);
    // RECONCILE_RETRY: the first wait is a minute, plus up to 20% jitter.
    expect(state.retryAt! - now).toBeGreaterThanOrEqual(60_000);
    expect(state.retryAt! - now).toBeLessThanOrEqual(72_000);
    // The cron leaves an agency waiting out a rate limit alone.
    expect(await t.mutation(internal.calendarSync.run, {})).toEqual({ scheduled: 0 });

    await runScheduled(t);
    expect((await meetingOf(t, meetingId)).status).toBe("cancelled");
    expect(world.to(/\/v2\/bookings\/bk_9$/).map((r) => r.at - now >= 60_000)).toEqual([false, true]);
    expect((await rows(t, "calendarSyncState"))[0]).toMatchObject({ rateLimited: 0 });
    expect((await rows(t, "meetingEvents")).filter((e) => e.kind === "cancelled")).toHaveLength(1);
  });
});

import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { textRequests, texts } from "../../helpers/texts";
import { type Backend, MARCH_EMAIL_WORLD, rows, runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

// Tue 10 Mar 10:30 EDT = 07:30 PDT (Dana is in Los Angeles); moved to Wed 11 Mar 11:00 EDT = 08:00 PDT.
const SLOT = "2026-03-10T10:30:00-04:00";
const LATER = "2026-03-11T11:00:00-04:00";

async function seed(opts: { confirmBookings?: boolean; prospect?: Record<string, unknown> } = {}) {
  const w = await setupWorld({
    ...MARCH_EMAIL_WORLD,
    agency: { ...MARCH_EMAIL_WORLD.agency, inboundPhoneNumber: "(212) 555-0100" },
    prospect: { ...MARCH_EMAIL_WORLD.prospect, ...opts.prospect },
  });
  await w.t.mutation(internal.callbacks.configureTextBack, { agencyId: w.agencyId, enabled: false, confirmBookings: opts.confirmBookings ?? true });
  return w;
}

async function book(t: Backend, agencyId: Id<"agencies">, opportunityId: Id<"opportunities">) {
  const callId = await t.run((ctx) =>
    ctx.db.insert("calls", { agencyId, opportunityId, direction: "outbound", status: "ended", attempt: 1, dialAt: Date.now(), offeredSlotsISO: [SLOT], updatedAt: Date.now() }),
  );
  const result = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: SLOT });
  expect(result.status).toBe("booked");
  await runScheduled(t);
  return result.meetingId!;
}

describe("booking confirmations by text", () => {
  test("booked, rescheduled and cancelled each reach the prospect as one text in their zone, once", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const meetingId = await book(t, agencyId, opportunityId);
    await t.mutation(internal.meetings.reschedule, { meetingId, newIsoTime: LATER });
    await runScheduled(t);
    await t.mutation(internal.meetings.cancel, { meetingId });
    await runScheduled(t);
    // A confirmation run again (a retried action, a duplicate schedule) texts nothing more.
    await t.action(internal.followUp.sendBookingConfirmation, { meetingId });
    await runScheduled(t);

    expect(textRequests(world).map((r) => [r.To, r.From, r.Body])).toEqual([
      ["+12015550123", "+12125550100", "Brightline Growth: your meeting is booked for Tue, Mar 10, 7:30 AM PDT. To change it, call us at +12125550100."],
      ["+12015550123", "+12125550100", "Brightline Growth: your meeting has moved to Wed, Mar 11, 8:00 AM PDT. To change it, call us at +12125550100."],
      ["+12015550123", "+12125550100", "Brightline Growth: your meeting on Wed, Mar 11, 8:00 AM PDT is cancelled."],
    ]);
    expect((await texts(t)).map((x) => [x.key, x.purpose, x.status])).toEqual([
      [`text:booking:${meetingId}:0`, "booking", "sent"],
      [`text:booking:${meetingId}:1`, "booking", "sent"],
      [`text:booking:${meetingId}:2`, "booking", "sent"],
    ]);
    // The emails go as before, beside the texts.
    expect(world.deliveredEmails).toHaveLength(6);
  });

  test("off by default: no text, the invites still go", async () => {
    const { t, world, agencyId, opportunityId } = await seed({ confirmBookings: false });
    await book(t, agencyId, opportunityId);
    expect(textRequests(world)).toHaveLength(0);
    expect(await texts(t)).toHaveLength(0);
    expect(world.deliveredEmails).toHaveLength(2);
  });

  test("a prospect without an email address still gets the text", async () => {
    const { t, world, agencyId, opportunityId } = await seed({ prospect: { email: undefined } });
    await book(t, agencyId, opportunityId);
    expect(textRequests(world)).toHaveLength(1);
    expect(world.deliveredEmails.map((e) => e.to)).toEqual([["team@brightline.test"]]);
  });

  test("a landline is skipped and the skip recorded; the invites still go", async () => {
    const { t, world, agencyId, opportunityId } = await seed({ prospect: { phone: "+442071838750", timeZone: "Europe/London" } });
    const meetingId = await book(t, agencyId, opportunityId);
    expect(textRequests(world)).toHaveLength(0);
    expect(await texts(t)).toEqual([
      expect.objectContaining({ key: `text:booking:${meetingId}:0`, to: "+442071838750", status: "skipped", reason: "cannot receive texts (landline)" }),
    ]);
    expect(world.deliveredEmails).toHaveLength(2);
  });

  test("a number that opted out of texts is skipped and the skip recorded", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    await t.run((ctx) => ctx.db.insert("textOptOuts", { agencyId, phone: "+12015550123", source: "twilio_unsubscribed", createdAt: Date.now() }));
    await book(t, agencyId, opportunityId);
    expect(textRequests(world)).toHaveLength(0);
    expect((await texts(t))[0]).toMatchObject({ status: "skipped", reason: "opted out of texts" });
    expect((await rows(t, "outbox")).filter((r) => r.channel === "sms")).toHaveLength(0);
  });

  test("a booking cancelled before its confirmation ran texts only the cancellation", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const callId = await t.run((ctx) =>
      ctx.db.insert("calls", { agencyId, opportunityId, direction: "outbound", status: "ended", attempt: 1, dialAt: Date.now(), offeredSlotsISO: [SLOT], updatedAt: Date.now() }),
    );
    const { meetingId } = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: SLOT });
    // Cancelled before the booking's confirmation ran: only the cancellation is texted.
    await t.mutation(internal.meetings.cancel, { meetingId: meetingId! });
    await runScheduled(t);
    expect(textRequests(world).map((r) => r.Body)).toEqual(["Brightline Growth: your meeting on Tue, Mar 10, 7:30 AM PDT is cancelled."]);
  });
});

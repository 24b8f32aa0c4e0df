import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Line } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { placeCall, postWebhook, rows, runScheduled, setupWorld, slackOn } from "../../helpers/world";

const CALENDAR: Line[] = [
  ["AI", "Could we set up a 30 minute intro this week?"],
  ["User", "Easiest is if you just book it on my calendar, it's cal.com slash dana slash intro."],
  ["AI", "Perfect, we'll book a time on your calendar."],
];

const CALL_ME: Line[] = [
  ["AI", "Could we set up a 30 minute intro this week?"],
  ["User", "I'd rather have a real person call me on my cell, 201 555 0188."],
  ["AI", "Of course, someone from the team will call you."],
];

describe("post-call hand-offs", () => {
  test("a Cal.com link the prospect read out is booked on their calendar", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    world.calcomSlots = { "2026-11-24": ["2026-11-24T14:00:00.000-05:00"] };
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [
      {
        meetingBooked: false,
        slotIso: null,
        confidence: 0.9,
        evidence: "just book it on my calendar",
        schedulerLink: "cal.com/dana/intro",
        bookOnSchedulerLink: true,
      },
    ];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, CALENDAR));
    await runScheduled(t);

    const booking = world.to("api.cal.com/v2/bookings");
    expect(booking).toHaveLength(1);
    expect(booking[0].body).toMatchObject({ username: "dana", eventTypeSlug: "intro", start: "2026-11-24T19:00:00Z" });
    const meetings = await rows(t, "meetings");
    expect(meetings).toMatchObject([{ source: "prospect_link", providerBookingId: "bk_1", meetingTime: Date.parse("2026-11-24T19:00:00Z") }]);
    const opp = await t.run((ctx) => ctx.db.get("opportunities", opportunityId));
    expect(opp).toMatchObject({ status: "Booked", schedulerLink: "https://cal.com/dana/intro" });
  });

  test("a call-me request opens one task and tells staff on Slack", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    await slackOn(t, agencyId, "call_requested");
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [
      {
        meetingBooked: false,
        slotIso: null,
        confidence: 0.9,
        evidence: "I'd rather have a real person call me",
        callbackRequested: true,
        callbackPhone: "201 555 0188",
      },
    ];
    for (let i = 0; i < 3; i++) await postWebhook(t, endOfCallReport(vapiCallId, callId, CALL_ME));
    await runScheduled(t);

    const tasks = await rows(t, "tasks");
    expect(tasks.filter((x) => x.type === "call_back")).toHaveLength(1);
    const posts = world.to("chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0].body)).toContain("Dana Whitfield asked for a person to call them back");
    expect(JSON.stringify(posts[0].body)).not.toContain("555");
    expect(await rows(t, "meetings")).toHaveLength(0);
  });

  test("an opt-out tells staff once and stops every call", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    await slackOn(t, agencyId, "opted_out");
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [
      { meetingBooked: false, slotIso: null, confidence: 0.95, rejectionDetected: true, evidence: "please don't call me again", optOut: true },
    ];
    await postWebhook(
      t,
      endOfCallReport(vapiCallId, callId, [
        ["AI", "Could we set up a 30 minute intro?"],
        ["User", "No thanks, and please don't call me again."],
      ]),
    );
    await runScheduled(t);

    const opp = await t.run((ctx) => ctx.db.get("opportunities", opportunityId));
    expect(opp).toMatchObject({ doNotCall: true, status: "Rejected" });
    expect(world.to("chat.postMessage")).toHaveLength(1);
    await expect(t.mutation(internal.calls.startCall, { opportunityId })).rejects.toThrow(/opted out/);
  });
});

/**
 * How the features behave together: retries against inbound calls and bookings,
 * scheduled analysis retries against a re-run by hand, live bookings against the
 * post-call plan, and a second call after a booking.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { AGREED, AGREED_ISO, BOOKED_REPLY, type Line } from "../../helpers/conversation";
import { AGENCY_NUMBER, assistantRequest, endOfCallReport, statusUpdate, toolCall } from "../../helpers/vapiPayloads";
import { askTools, type Backend, callsOf, DANA_PHONE, getCall, noAnswer, placeCall, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

/** The prospect calls the agency's number; returns our inbound call id. */
async function callIn(t: Backend, vapiCallId: string): Promise<string> {
  const res = await postWebhook(t, assistantRequest({ number: DANA_PHONE }, AGENCY_NUMBER, vapiCallId));
  const reply = (await res.json()) as { assistantOverrides?: { metadata: { callId: string } } };
  expect(reply.assistantOverrides).toBeDefined();
  return reply.assistantOverrides!.metadata.callId;
}

async function bookLive(t: Backend, vapiCallId: string, callId: string, slotIso = AGREED_ISO) {
  const reply = await askTools(t, vapiCallId, callId, [toolCall(`book-${vapiCallId}`, "book_meeting", { slotIso })]);
  expect(reply.results[0].result).toMatch(/^Booked/);
}

describe("retries meet inbound calls and bookings", () => {
  test("a retry due while the prospect is on an inbound call with us is withdrawn, not dialled", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld({ agency: { inboundPhoneNumber: AGENCY_NUMBER, retryDelayMinutes: 30 } });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await noAnswer(t, vapiCallId, callId);
    const retry = (await callsOf(t, opportunityId))[1];
    expect(retry.status).toBe("scheduled");

    // Dana calls back before the retry is due and is still talking when it comes due.
    const inboundId = await callIn(t, "vapi-inbound-1");
    await postWebhook(t, statusUpdate("vapi-inbound-1", inboundId, "in-progress"));
    await runScheduled(t);

    expect(world.vapiCreates).toHaveLength(1);
    expect(await getCall(t, retry._id)).toMatchObject({ status: "cancelled" });
  });

  test("a booking withdraws waiting attempts at once: cancelling the meeting later does not revive them", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld({ agency: { inboundPhoneNumber: AGENCY_NUMBER } });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await noAnswer(t, vapiCallId, callId);
    const retry = (await callsOf(t, opportunityId))[1];

    // Dana calls back and books on the line; the retry is no longer wanted.
    const inboundId = await callIn(t, "vapi-inbound-2");
    await bookLive(t, "vapi-inbound-2", inboundId);
    expect(await getCall(t, retry._id)).toMatchObject({ status: "cancelled" });

    // Staff cancel the meeting later (Dana emailed): no old attempt dials her.
    const [meeting] = await rows(t, "meetings");
    await t.mutation(internal.meetings.cancel, { meetingId: meeting._id });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);
  });
});

describe("analysis retries meet a re-run by hand", () => {
  test("a scheduled retry left over from before a successful re-run changes nothing", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    // First automatic attempt: 503. The re-run by hand: booked. Groq then goes down again.
    world.groqReplies = [503, BOOKED_REPLY, 503];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    vi.advanceTimersByTime(1);
    await t.finishInProgressScheduledFunctions();
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "retrying" });

    await t.action(internal.ai.processCallTranscript, { callId });
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "done", outcome: "booked" });

    await runScheduled(t); // the retry scheduled by the first attempt
    expect(world.groqRequests).toHaveLength(2);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "done", bookingAnalysis: { decision: "book" } });
    expect((await rows(t, "tasks")).filter((x) => x.status === "open")).toEqual([]);
  });
});

describe("the post-call plan after a live booking", () => {
  const PROPOSED: Line[] = [
    ["AI", "When would suit you for a 30 minute intro?"],
    ["User", "How about Tuesday at 2 PM?"],
    ["AI", "Booked: Tuesday November 24th at 2 PM Eastern."],
    ["User", "Or maybe Tuesday at 8 PM, whatever works."],
  ];

  test("prospect proposes: times that cannot be booked after a live booking ask a person, and the prospect gets no 'pick a time' email", async () => {
    const { t, world, opportunityId } = await setupWorld({ agency: { bookingProcess: "prospect_proposes" } });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await bookLive(t, vapiCallId, callId);
    world.groqReplies = [
      {
        meetingBooked: false,
        slotIso: null,
        confidence: 0.8,
        evidence: "Or maybe Tuesday at 8 PM",
        proposedTimes: ["2026-11-24T20:00:00-05:00"],
      },
    ];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, PROPOSED));
    await runScheduled(t);

    expect(await rows(t, "meetings")).toHaveLength(1);
    const deliveries = await rows(t, "outbox");
    expect(deliveries.filter((d) => d.key.startsWith("free_slots:"))).toEqual([]);
    const open = (await rows(t, "tasks")).filter((x) => x.status === "open");
    expect(open.map((x) => x.type)).toEqual(["review"]);
  });

  test("link first: a prospect who booked on the line is not emailed the booking link", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld({
      agency: { bookingProcess: "link_first", bookingLink: "https://cal.example/brightline/intro" },
    });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await bookLive(t, vapiCallId, callId);
    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: null }];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    expect(await rows(t, "meetings")).toHaveLength(1);
    expect(world.groqRequests).toHaveLength(1);
    expect((await rows(t, "outbox")).filter((d) => d.key.startsWith("booking_link:"))).toEqual([]);
  });
});

describe("a later call of a booked prospect", () => {
  test("a 'no thanks' on a later inbound call does not mark a booked prospect Rejected", async () => {
    const { t, world, opportunityId } = await setupWorld({ agency: { inboundPhoneNumber: AGENCY_NUMBER } });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("Booked");

    const inboundId = await callIn(t, "vapi-inbound-3");
    world.groqReplies = [
      { meetingBooked: false, slotIso: null, confidence: 0.9, rejectionDetected: true, evidence: "no thanks, I don't need anything else" },
    ];
    await postWebhook(
      t,
      endOfCallReport("vapi-inbound-3", inboundId, [
        ["AI", "Thanks for calling Brightline Growth. How can I help?"],
        ["User", "Just checking the invite arrived. And no thanks, I don't need anything else."],
      ]),
    );
    await runScheduled(t);

    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("Booked");
    expect((await rows(t, "meetings")).map((m) => m.status)).toEqual(["booked"]);
    const open = (await rows(t, "tasks")).filter((x) => x.status === "open");
    expect(open).toEqual([expect.objectContaining({ type: "review", callId: inboundId })]);
  });
});

describe("staff notifications after a live booking", () => {
  test("an unsure echo of the time booked on the line tells nobody the lead still needs a time", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    const inbox = await t.action(internal.notifications.saveDestination, { agencyId, kind: "email", target: "owner@brightline.test" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "positive_lead", destinationId: inbox, mode: "realtime" });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await bookLive(t, vapiCallId, callId);
    world.groqReplies = [{ ...BOOKED_REPLY, confidence: 0.5 }];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    expect(await rows(t, "meetings")).toHaveLength(1);
    expect((await rows(t, "notificationItems")).filter((i) => i.event === "positive_lead")).toEqual([]);
  });
});

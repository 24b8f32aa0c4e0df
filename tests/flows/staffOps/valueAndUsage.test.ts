/**
 * What the calls are worth (the funnel's pipeline value, cost per booked meeting and ROI) and
 * what an agency used in a month (booked meetings, connected minutes and cost, texts), counted
 * as it happens.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { recordUsage } from "../../../convex/model/usage";
import { AGREED, BOOKED_REPLY, NOW } from "../../helpers/conversation";
import { endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { addProspect, placeCall, postWebhook, reportedCall, rows, runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

const DAY = 86_400_000;
const NO_THANKS = [
  ["AI", "Hi Lee, this is Atlas from Brightline Growth. Could we set up a 30 minute intro?"],
  ["User", "No thanks, we are not interested."],
] as [("AI" | "User"), string][];

describe("funnel value", () => {
  test("pipeline value is meetingValue x booked meetings; ROI is (value - Vapi cost) / cost", async () => {
    const w = await setupWorld({ agency: { meetingValue: 1200 } });
    const lee = await addProspect(w.t, w.agencyId, "Lee Park", "+12015550188");
    await reportedCall(w, w.opportunityId, AGREED, [BOOKED_REPLY]); // cost 0.21
    await reportedCall(w, lee, NO_THANKS, [
      { meetingBooked: false, slotIso: null, rejectionDetected: true, confidence: 0.95, evidence: "No thanks, we are not interested." },
    ]); // cost 0.21
    const funnel = await w.t.query(internal.calls.funnel, { agencyId: w.agencyId, from: NOW - DAY, to: NOW + DAY });
    expect(funnel).toMatchObject({ placed: 2, booked: 1, cost: 0.42, costPerBookedMeeting: 0.42, pipelineValue: 1200 });
    expect(funnel.roi).toBeCloseTo((1200 - 0.42) / 0.42, 3);

    // Without a meetingValue there is no value to speak of; with value but nothing booked, ROI is -1.
    await w.t.mutation(internal.agencies.update, { agencyId: w.agencyId, meetingValue: 0 });
    expect(await w.t.query(internal.calls.funnel, { agencyId: w.agencyId, from: NOW - DAY, to: NOW + DAY })).toMatchObject({ pipelineValue: 0, roi: -1 });
    const plain = await setupWorld();
    expect(await plain.t.query(internal.calls.funnel, { agencyId: plain.agencyId, from: NOW - DAY, to: NOW + DAY })).toMatchObject({
      pipelineValue: null,
      roi: null,
      costPerBookedMeeting: null,
    });
  });
});

describe("usage.month", () => {
  test("counts booked meetings, connected minutes and cost, and texts per agency and month, as they happen", async () => {
    const w = await setupWorld();
    const month = "2026-11";
    const empty = { month, bookedMeetings: 0, connectedMinutes: 0, billedMinutes: 0, callCost: 0, texts: 0 };
    expect(await w.t.query(internal.usage.month, { agencyId: w.agencyId, month })).toEqual(empty);

    // A booked call of 3 minutes (the report's startedAt to endedAt), cost 0.21.
    await reportedCall(w, w.opportunityId, AGREED, [BOOKED_REPLY]);
    expect(await w.t.query(internal.usage.month, { agencyId: w.agencyId, month })).toEqual({
      ...empty,
      bookedMeetings: 1,
      connectedMinutes: 3,
      billedMinutes: 3,
      callCost: 0.21,
    });

    // An unanswered call costs but connects for no time; a 61-second call bills 2 minutes.
    const lee = await addProspect(w.t, w.agencyId, "Lee Park", "+12015550188");
    const unanswered = await placeCall(w.t, lee);
    await postWebhook(w.t, statusUpdate(unanswered.vapiCallId, unanswered.callId, "ended", "customer-did-not-answer"));
    await postWebhook(
      w.t,
      endOfCallReport(unanswered.vapiCallId, unanswered.callId, [], { endedReason: "customer-did-not-answer", durationSeconds: 0, cost: 0.05 }),
    );
    const sam = await addProspect(w.t, w.agencyId, "Sam Okoro", "+12015550199");
    const short = await placeCall(w.t, sam);
    w.world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.5, evidence: null }];
    await postWebhook(w.t, endOfCallReport(short.vapiCallId, short.callId, NO_THANKS, { durationSeconds: 61, cost: 0.1 }));
    await runScheduled(w.t);
    // The same report again changes nothing.
    await postWebhook(w.t, endOfCallReport(short.vapiCallId, short.callId, NO_THANKS, { durationSeconds: 61, cost: 0.1 }));

    // Texts, as the text sender records them.
    await w.t.run(async (ctx) => {
      await recordUsage(ctx, w.agencyId, { texts: 1 });
      await recordUsage(ctx, w.agencyId, { texts: 1 });
    });
    const usage = await w.t.query(internal.usage.month, { agencyId: w.agencyId, month });
    expect(usage).toMatchObject({ bookedMeetings: 1, billedMinutes: 3 + 2, texts: 2 });
    expect(usage.connectedMinutes).toBeCloseTo((180 + 61) / 60, 2);
    expect(usage.callCost).toBeCloseTo(0.21 + 0.05 + 0.1, 6);

    // Counted per agency and per month, from one row.
    expect(await w.t.query(internal.usage.month, { agencyId: w.agencyId, month: "2026-12" })).toEqual({ ...empty, month: "2026-12" });
    const other = await setupWorld();
    expect(await other.t.query(internal.usage.month, { agencyId: other.agencyId, month })).toEqual(empty);
    expect((await rows(w.t, "usageMonths")).length).toBe(1);
    await expect(w.t.query(internal.usage.month, { agencyId: w.agencyId, month: "2026-13" })).rejects.toThrow(/month must be YYYY-MM/);
  });
});

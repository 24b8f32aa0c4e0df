import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { MINUTE } from "../../../convex/model/scheduling/availability";
import { AGREED_ISO, NOW } from "../../helpers/conversation";
import { endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { callsOf, noAnswer, placeCall, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

describe("retries after an unanswered call", () => {
  test("schedules one next attempt after the agency's delay, even when both status-update and report say ended", { timeout: 60_000 }, async () => {
    const { t, opportunityId } = await setupWorld({ agency: { retryDelayMinutes: 90 } });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await noAnswer(t, vapiCallId, callId, "customer-busy");

    const calls = await callsOf(t, opportunityId);
    expect(calls).toHaveLength(2);
    const [first, second] = calls;
    expect(first).toMatchObject({ outcome: "busy", retryCallId: second._id });
    expect(second).toMatchObject({ status: "scheduled", attempt: 2, dialAt: NOW + 90 * MINUTE });
  });

  test("stops at maxAttempts", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld({ agency: { maxAttempts: 3 } });
    let { callId, vapiCallId } = await placeCall(t, opportunityId);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await noAnswer(t, vapiCallId, callId, attempt === 2 ? "voicemail" : "customer-did-not-answer");
      await runScheduled(t); // dials the next attempt, if any
      const calls = await callsOf(t, opportunityId);
      expect(calls).toHaveLength(Math.min(attempt + 1, 3));
      const latest = calls.at(-1)!;
      callId = latest._id;
      vapiCallId = latest.vapiCallId!;
    }
    const calls = await callsOf(t, opportunityId);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(calls.map((c) => c.outcome)).toEqual(["no_answer", "voicemail", "no_answer"]);
    expect(calls[2].retryCallId).toBeUndefined();
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(3);
  });

  test("an attempt scheduled before a booking never dials", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await noAnswer(t, vapiCallId, callId);
    const retry = (await callsOf(t, opportunityId))[1];
    expect(retry.status).toBe("scheduled");

    // Booked meanwhile (e.g. through the scheduler link): the retry withdraws at dial time.
    await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: AGREED_ISO });
    await runScheduled(t);
    expect((await callsOf(t, opportunityId))[1].status).toBe("cancelled");
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(1);
  });

  test("a connected call is not retried", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", "customer-ended-call"));
    expect(await callsOf(t, opportunityId)).toHaveLength(1);
  });

  test("a voicemail status-update, then a report that shows the prospect talked to us: the retry is withdrawn", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    // Voicemail detection fired, but the prospect had picked up.
    await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", "voicemail"));
    const [, retry] = await callsOf(t, opportunityId);
    expect(retry).toMatchObject({ status: "scheduled", attempt: 2 });

    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: "", rejectionDetected: false }];
    await postWebhook(
      t,
      endOfCallReport(
        vapiCallId,
        callId,
        [
          ["AI", "Hi Dana, this is Atlas from Brightline Growth."],
          ["User", "Hi. I'm driving, can you call me next week?"],
        ],
        { endedReason: "customer-ended-call" },
      ),
    );
    const after = await t.run(async (ctx) => ({
      first: await ctx.db.get("calls", callId),
      retry: await ctx.db.get("calls", retry._id),
      waiting: await ctx.db.query("dialQueue").withIndex("by_holder", (q) => q.eq("holder", retry._id)).first(),
    }));
    expect(after.first).toMatchObject({ outcome: "completed" });
    expect(after.first?.retryCallId).toBeUndefined();
    expect(after.retry).toMatchObject({ status: "cancelled" });
    expect(after.waiting).toBeNull();

    await runScheduled(t);
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(1);
    expect((await callsOf(t, opportunityId)).filter((c) => c.status === "scheduled")).toHaveLength(0);
  });

  test("a refusal found by the analysis withdraws the waiting retry at once, not only at dial time", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    // The carrier says voicemail both times, yet the transcript shows the prospect answered and declined.
    await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", "voicemail"));
    const [, retry] = await callsOf(t, opportunityId);
    expect(retry).toMatchObject({ status: "scheduled" });
    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.95, evidence: "No thanks, I'm not interested", rejectionDetected: true }];
    await postWebhook(
      t,
      endOfCallReport(
        vapiCallId,
        callId,
        [
          ["AI", "Hi Dana, this is Atlas from Brightline Growth. Could we set up a short intro?"],
          ["User", "No thanks, I'm not interested."],
        ],
        { endedReason: "voicemail" },
      ),
    );
    await t.action(internal.ai.processCallTranscript, { callId });
    const after = await t.run(async (ctx) => ({
      opportunity: await ctx.db.get("opportunities", opportunityId),
      retry: await ctx.db.get("calls", retry._id),
      waiting: await ctx.db.query("dialQueue").withIndex("by_holder", (q) => q.eq("holder", retry._id)).first(),
    }));
    expect(after.opportunity).toMatchObject({ status: "Rejected" });
    expect(after.retry).toMatchObject({ status: "cancelled" });
    expect(after.waiting).toBeNull();
  });

  test("a failed report after a voicemail status-update keeps the retry: nobody was reached", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", "voicemail"));
    await postWebhook(t, endOfCallReport(vapiCallId, callId, [], { endedReason: "pipeline-error-openai-llm-failed" }));
    const [first, retry] = await callsOf(t, opportunityId);
    expect(first).toMatchObject({ outcome: "failed", retryCallId: retry._id });
    expect(retry).toMatchObject({ status: "scheduled" });
  });

  test("the next attempt waits for the prospect's calling hours, in their zone", async () => {
    // 21:30 New York = 18:30 Los Angeles; +4 h = 22:30 in Los Angeles: too late, so 08:00 there.
    const { t, opportunityId } = await setupWorld({
      now: Date.parse("2026-11-24T02:30:00Z"),
      prospect: { timeZone: "America/Los_Angeles" },
    });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await noAnswer(t, vapiCallId, callId);
    const retry = (await callsOf(t, opportunityId))[1];
    expect(new Date(retry.dialAt).toISOString()).toBe("2026-11-24T16:00:00.000Z");
  });

  test("a retry to a number that may ring in several zones waits for calling hours in all of them", async () => {
    // A toll-free number rings anywhere in the US. Called at 19:30 EST, the retry is due 4 h later (23:30 EST):
    // the next moment that is 08:00-21:00 from New York to Honolulu is 08:00 HST (18:00Z), not 08:00 EST.
    const { t, opportunityId } = await setupWorld({ now: Date.parse("2026-11-24T00:30:00Z"), prospect: { phone: "+1 800 555 0123" } });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await noAnswer(t, vapiCallId, callId);
    const retry = (await callsOf(t, opportunityId))[1];
    expect(new Date(retry.dialAt).toISOString()).toBe("2026-11-24T18:00:00.000Z");
  });
});

describe("opt-out", () => {
  test("marks the opportunity do-not-call and cancels the scheduled attempt", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    // Voicemail detection fired, but the prospect had picked up and asked to be left alone.
    world.groqReplies = [
      {
        meetingBooked: false,
        slotIso: null,
        confidence: 0.95,
        evidence: "take me off your list",
        rejectionDetected: true,
        optOut: true,
      },
    ];
    await postWebhook(
      t,
      endOfCallReport(
        vapiCallId,
        callId,
        [
          ["AI", "Hi Dana, this is Atlas from Brightline Growth."],
          ["User", "Please take me off your list and do not call me again."],
        ],
        { endedReason: "voicemail" },
      ),
    );
    const [, retry] = await callsOf(t, opportunityId);
    expect(retry).toMatchObject({ status: "scheduled" });
    expect(await rows(t, "dialQueue")).toEqual([expect.objectContaining({ holder: retry._id })]);

    // The analysis runs now; the retry is hours away.
    vi.advanceTimersByTime(0);
    await t.finishInProgressScheduledFunctions();
    await runScheduled(t);
    const after = await t.run(async (ctx) => ({
      opportunity: await ctx.db.get("opportunities", opportunityId),
      retry: await ctx.db.get("calls", retry._id),
      waiting: await ctx.db.query("dialQueue").withIndex("by_holder", (q) => q.eq("holder", retry._id)).first(),
    }));
    expect(after.opportunity).toMatchObject({ doNotCall: true, optedOutAt: expect.any(Number) });
    expect(after.retry).toMatchObject({ status: "cancelled" });
    expect(after.waiting).toBeNull();
    expect(world.to(/api\.vapi\.ai\/call$/)).toHaveLength(1);
    await expect(t.mutation(internal.calls.startCall, { opportunityId })).rejects.toThrow(/opted out/);
  });
});

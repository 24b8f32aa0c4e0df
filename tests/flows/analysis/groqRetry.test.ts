/**
 * Groq fails in the ways services fail. Retryable failures are retried with
 * scheduled backoff and book exactly once; a dead Groq leaves the transcript and
 * a task, and the analysis can be run again by hand.
 */
import { describe, expect, test, vi } from "vitest";
import { ANALYSIS_RETRY } from "../../../convex/model/retryPolicy";
import { internal } from "../../../convex/_generated/api";
import { MAX_ANALYSIS_ATTEMPTS } from "../../../convex/model/analysis/reply";
import type { GroqReply } from "../../helpers/fakeWorld";
import { AGREED, AGREED_ISO, BOOKED_REPLY } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { analysedCall, getCall, placeCall, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

describe("Groq retries", () => {
  test.each<[string, (GroqReply | number | string)[]]>([
    ["a 500", [500, BOOKED_REPLY]],
    ["a 429", [429, BOOKED_REPLY]],
    ["invalid JSON", ["Sure! The prospect agreed to Tuesday.", BOOKED_REPLY]],
    ["JSON of the wrong shape", [JSON.stringify({ booked: "yes" }), BOOKED_REPLY]],
  ])("%s then success: asked twice, one meeting", { timeout: 60_000 }, async (_label, replies) => {
    const { t, world, callId } = await analysedCall(AGREED, replies);
    expect(world.groqRequests).toHaveLength(2);
    const meetings = await rows(t, "meetings");
    expect(meetings).toEqual([expect.objectContaining({ callId, meetingTime: Date.parse(AGREED_ISO) })]);
    expect(await getCall(t, callId)).toMatchObject({ outcome: "booked", analysisStatus: "done", analysisAttempts: 2 });
    expect(await rows(t, "tasks")).toHaveLength(0);
  });

  test("the retry waits: nothing is asked again until the backoff has passed", { timeout: 60_000 }, async () => {
    const w = await setupWorld();
    const { callId, vapiCallId } = await placeCall(w.t, w.opportunityId);
    w.world.groqReplies = [503, BOOKED_REPLY];
    await postWebhook(w.t, endOfCallReport(vapiCallId, callId, AGREED));
    vi.advanceTimersByTime(1);
    await w.t.finishInProgressScheduledFunctions();
    expect(w.world.groqRequests).toHaveLength(1);
    expect(await getCall(w.t, callId)).toMatchObject({ analysisStatus: "retrying", analysisAttempts: 1 });
    await runScheduled(w.t);
    expect(w.world.groqRequests).toHaveLength(2);
    const [first, second] = w.world.groqRequests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(ANALYSIS_RETRY.baseDelayMs);
  });

  test("a 400 is not retried: one request, analysis failed, a review task", async () => {
    const { t, world, callId } = await analysedCall(AGREED, [400, BOOKED_REPLY]);
    expect(world.groqRequests).toHaveLength(1);
    expect(await rows(t, "meetings")).toHaveLength(0);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "failed", bookingAnalysis: { error: "Groq HTTP 400" } });
    expect(await rows(t, "tasks")).toEqual([expect.objectContaining({ callId, type: "review", status: "open" })]);
  });

  test("Groq down for every attempt: analysis failed, a task, the transcript kept; a re-run by hand books", { timeout: 60_000 }, async () => {
    const { t, world, callId, opportunityId } = await analysedCall(AGREED, [503]);
    expect(world.groqRequests).toHaveLength(MAX_ANALYSIS_ATTEMPTS);
    expect(await rows(t, "meetings")).toHaveLength(0);
    expect(await getCall(t, callId)).toMatchObject({
      analysisStatus: "failed",
      analysisAttempts: MAX_ANALYSIS_ATTEMPTS,
      bookingAnalysis: { error: "Groq HTTP 503" },
    });
    const tasks = await rows(t, "tasks");
    expect(tasks).toEqual([expect.objectContaining({ callId, type: "review", status: "open", reason: expect.stringMatching(/analysis failed/) })]);
    const transcript = await rows(t, "callMessages");
    expect(transcript.map((m) => m.text)).toEqual(AGREED.map(([, text]) => text));

    world.groqReplies = [BOOKED_REPLY];
    await t.action(internal.ai.processCallTranscript, { callId });
    await runScheduled(t);
    expect(world.groqRequests).toHaveLength(MAX_ANALYSIS_ATTEMPTS + 1);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ callId, meetingTime: Date.parse(AGREED_ISO) })]);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "done", outcome: "booked", bookingAnalysis: { decision: "book" } });
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("Booked");
    // The successful re-run settles the "analysis failed" task.
    expect(await rows(t, "tasks")).toEqual([expect.objectContaining({ callId, status: "done", reason: expect.stringMatching(/analysis failed/) })]);
  });

  test("a re-run that needs a person opens a review with its own reason, not the stale failure", { timeout: 60_000 }, async () => {
    const { t, world, callId } = await analysedCall(AGREED, [503]);
    world.groqReplies = [{ ...BOOKED_REPLY, confidence: 0.4 }];
    await t.action(internal.ai.processCallTranscript, { callId });
    await runScheduled(t);
    const open = (await rows(t, "tasks")).filter((task) => task.status === "open");
    expect(open).toEqual([expect.objectContaining({ callId, type: "review", reason: expect.stringMatching(/confidence 0.4 is below 0.7/) })]);
  });

  test("a network failure is retried like a 5xx", async () => {
    const w = await setupWorld();
    const { callId, vapiCallId } = await placeCall(w.t, w.opportunityId);
    let failures = 1;
    const scripted = { ...BOOKED_REPLY, rejectionDetected: false };
    w.world.on("POST", /api\.groq\.com/, () =>
      failures-- > 0
        ? new TypeError("fetch failed")
        : {
            status: 200,
            json: {
              choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: JSON.stringify(scripted) } }],
              usage: { prompt_tokens: 10, completion_tokens: 5 },
            },
          },
    );
    await postWebhook(w.t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(w.t);
    expect(w.world.groqRequests).toHaveLength(2);
    expect(await rows(w.t, "meetings")).toHaveLength(1);
  });
});

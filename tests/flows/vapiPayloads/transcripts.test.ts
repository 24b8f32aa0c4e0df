import { describe, expect, test } from "vitest";
import type { FunctionReturnType } from "convex/server";
import { internal } from "../../../convex/_generated/api";
import { normaliseReport, MAX_TRANSCRIPT_CHARS } from "../../../convex/model/providers/vapiMessages";
import type { Line } from "../../helpers/conversation";
import { endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { placeCall, postWebhook, runScheduled, setupWorld } from "../../helpers/world";

describe("conversation history", () => {
  // The heaviest test in the suite (~10 s alone on a busy machine): generous so it holds under a loaded CI.
  test("a 2,000-message call goes through the webhook within Convex's transaction limits and reads back in order", { timeout: 120_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld({ transactionLimits: true });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    // ~200 characters a line: 2,000 lines is a very long call.
    const lines: Line[] = Array.from({ length: 2000 }, (_, i) => [
      i % 2 ? "User" : "AI",
      `line ${i}: ${"we talked about the clinic schedule and the intro meeting. ".repeat(3).trim()}`,
    ]);
    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: null }];
    const res = await postWebhook(
      t,
      endOfCallReport(vapiCallId, callId, lines, {
        artifact: {
          messages: lines.map(([who, text], i) => ({ role: who === "AI" ? "bot" : "user", message: text, secondsFromStart: i * 2 })),
          recordingUrl: "https://storage.example/mono.wav",
          stereoRecordingUrl: "https://storage.example/stereo.wav",
        },
      }),
    );
    expect(await res.json()).toEqual({ result: "applied" });
    await runScheduled(t);

    type Page = FunctionReturnType<typeof internal.calls.getTranscript>;
    const pages: Page[] = [];
    let fromSeq: number | null = 0;
    while (fromSeq !== null) {
      const page: Page = await t.query(internal.calls.getTranscript, { callId, fromSeq });
      pages.push(page);
      fromSeq = page.nextSeq;
    }
    expect(pages).toHaveLength(4);
    const messages = pages.flatMap((p) => p.messages);
    expect(messages).toHaveLength(2000);
    expect(messages.map((m) => m.seq)).toEqual(lines.map((_, i) => i));
    expect(messages[1]).toMatchObject({ role: "user", text: lines[1][1], secondsFromStart: 2 });
    expect(messages[1999].text).toBe(lines[1999][1]);
    expect(pages[0]).toMatchObject({
      messageCount: 2000,
      recordingUrl: "https://storage.example/mono.wav",
      stereoRecordingUrl: "https://storage.example/stereo.wav",
    });
    // The analysis read the whole transcript too.
    expect(await t.run(async (ctx) => (await ctx.db.get("calls", callId))?.analysisStatus)).toBe("done");
  });

  test("page size is bounded and named when wrong", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId } = await placeCall(t, opportunityId);
    await expect(t.query(internal.calls.getTranscript, { callId, limit: 5000 })).rejects.toThrow(/limit must be a whole number from 1 to \d+$/);
    expect(await t.query(internal.calls.getTranscript, { callId })).toEqual({ messages: [], messageCount: 0, nextSeq: null });
  });

  test("a report's transcript is cut to a total character budget", () => {
    const big = "x".repeat(4000);
    const report = normaliseReport({ artifact: { messages: Array.from({ length: 4999 }, () => ({ role: "user", message: big })) } });
    const chars = report.messages.reduce((n, m) => n + m.text.length, 0);
    expect(chars).toBe(MAX_TRANSCRIPT_CHARS);
    expect(report.messages).toHaveLength(MAX_TRANSCRIPT_CHARS / 4000);
  });

  test("an opportunity's call history, newest first, with outcome, times, cost and recording", { timeout: 60_000 }, async () => {
    const { t, opportunityId } = await setupWorld();
    const first = await placeCall(t, opportunityId);
    await postWebhook(t, statusUpdate(first.vapiCallId, first.callId, "ended", "customer-did-not-answer"));
    await postWebhook(t, endOfCallReport(first.vapiCallId, first.callId, [], { endedReason: "customer-did-not-answer", cost: 0.02 }));
    const history = await t.query(internal.opportunities.callHistory, { opportunityId });
    expect(history).toHaveLength(2);
    expect(history[0]).toMatchObject({ attempt: 2, status: "scheduled" });
    expect(history[1]).toMatchObject({
      callId: first.callId,
      attempt: 1,
      status: "ended",
      outcome: "no_answer",
      cost: 0.02,
      startedAt: Date.parse("2026-11-21T15:01:00.000Z"),
      endedAt: Date.parse("2026-11-21T15:04:00.000Z"),
      durationSeconds: 180,
      recordingUrl: "https://storage.example/rec.wav",
    });
    expect(history[1]).not.toHaveProperty("promptContext");
  });
});

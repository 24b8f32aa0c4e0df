/**
 * POST /vapi/webhook: authentication before anything else, 400 for bodies we
 * cannot read, 200 for what we do not handle, and exactly-once effects however
 * often (and in whatever order) Vapi delivers.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { TEST_ENV } from "../../helpers/fakeWorld";
import { AGREED, AGREED_ISO, BOOKED_REPLY } from "../../helpers/conversation";
import { endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { getCall, placedCall, postWebhook, rows, runScheduled, scheduledFunctions, setupWorld, snapshot } from "../../helpers/world";

const SECRET = TEST_ENV.VAPI_WEBHOOK_SECRET;

/** A placed call, Groq ready to book, and the report Vapi would send for it. */
async function placedCallWithReport() {
  const placed = await placedCall();
  return { ...placed, report: endOfCallReport(placed.vapiCallId, placed.callId, AGREED) };
}

describe("authentication", () => {
  test.each<[string, Record<string, string>]>([
    ["no credential", {}],
    ["a wrong bearer token", { authorization: "Bearer not-the-secret" }],
    ["a wrong X-Vapi-Secret", { "x-vapi-secret": "not-the-secret" }],
    ["the secret with another scheme", { authorization: `Basic ${SECRET}` }],
    ["an empty bearer", { authorization: "Bearer " }],
    ["a prefix of the secret", { "x-vapi-secret": SECRET.slice(0, -1) }],
  ])("%s -> 401 and nothing changed", { timeout: 60_000 }, async (_label, headers) => {
    const { t, world, report } = await placedCallWithReport();
    const before = await snapshot(t);
    const res = await postWebhook(t, report, headers);
    expect(res.status).toBe(401);
    await runScheduled(t);
    expect(await snapshot(t)).toEqual(before);
    expect(world.groqRequests).toHaveLength(0);
  });

  test("no secret configured -> every request is refused, even one carrying the old secret", async () => {
    const { t, report } = await placedCallWithReport();
    vi.stubEnv("VAPI_WEBHOOK_SECRET", "");
    const before = await snapshot(t);
    for (const headers of <Record<string, string>[]>[{}, { authorization: "Bearer " }, { authorization: `Bearer ${SECRET}` }, { "x-vapi-secret": SECRET }]) {
      expect((await postWebhook(t, report, headers)).status).toBe(401);
    }
    await runScheduled(t);
    expect(await snapshot(t)).toEqual(before);
  });

  test.each<[string, Record<string, string>]>([
    ["Authorization: Bearer", { authorization: `Bearer ${SECRET}` }],
    ["X-Vapi-Secret", { "x-vapi-secret": SECRET }],
  ])("the right secret in %s is accepted", { timeout: 60_000 }, async (_label, headers) => {
    const { t, report } = await placedCallWithReport();
    expect((await postWebhook(t, report, headers)).status).toBe(200);
    await runScheduled(t);
    expect(await rows(t, "meetings")).toHaveLength(1);
  });
});

describe("bodies we cannot read", () => {
  test.each<[string, unknown]>([
    ["malformed JSON", "{ this is not json"],
    ["an empty body", ""],
    ["no message", {}],
    ["a message that is not an object", { message: "end-of-call-report" }],
    ["no type", { message: { call: { id: "vapi-call-1" } } }],
    ["an empty type", { message: { type: "" } }],
    ["a non-string type", { message: { type: 7 } }],
    ["a report whose messages are not a list", { message: { type: "end-of-call-report", call: { id: "vapi-call-1" }, artifact: { messages: "hello" } } }],
    ["a status-update without a status", { message: { type: "status-update", call: { id: "vapi-call-1" } } }],
  ])("%s -> 400 and nothing changed", async (_label, body) => {
    const { t, world } = await placedCallWithReport();
    const before = await snapshot(t);
    expect((await postWebhook(t, body)).status).toBe(400);
    await runScheduled(t);
    expect(await snapshot(t)).toEqual(before);
    expect(world.groqRequests).toHaveLength(0);
  });

  test.each(["speech-update", "conversation-update", "transcript", "hang", "some-future-type"])(
    "an unhandled type (%s) -> 200 and nothing changed",
    async (type) => {
      const { t, vapiCallId, callId } = await placedCallWithReport();
      const before = await snapshot(t);
      const res = await postWebhook(t, { message: { type, status: "started", role: "user", call: { id: vapiCallId, metadata: { callId } } } });
      expect(res.status).toBe(200);
      await runScheduled(t);
      expect(await snapshot(t)).toEqual(before);
    },
  );
});

describe("exactly once", () => {
  test("the same report five times, one after another: one analysis, one meeting, one transcript", async () => {
    const { t, world, report, callId } = await placedCallWithReport();
    const results: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await postWebhook(t, report);
      expect(res.status).toBe(200);
      results.push(await res.json());
      await runScheduled(t);
    }
    expect(results).toEqual([{ result: "applied" }, ...Array(4).fill({ result: "duplicate" })]);
    expect(world.groqRequests).toHaveLength(1);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ callId })]);
    expect(await rows(t, "callMessages")).toHaveLength(AGREED.length);
  });

  test("the same report five times at once: one analysis, one meeting", async () => {
    const { t, world, report } = await placedCallWithReport();
    const responses = await Promise.all(Array.from({ length: 5 }, () => postWebhook(t, report)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const scheduledAnalyses = (await scheduledFunctions(t)).filter((f) => f.name.includes("processCallTranscript"));
    expect(scheduledAnalyses).toHaveLength(1);
    await runScheduled(t);
    expect(world.groqRequests).toHaveLength(1);
    expect(await rows(t, "meetings")).toHaveLength(1);
    expect(await rows(t, "callMessages")).toHaveLength(AGREED.length);
  });

  test("a review outcome delivered five times leaves one task", async () => {
    const { t, world, report } = await placedCallWithReport();
    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.5, evidence: null }];
    for (let i = 0; i < 5; i++) await postWebhook(t, report);
    await runScheduled(t);
    expect(await rows(t, "tasks")).toHaveLength(1);
  });
});

describe("finding the call", () => {
  test.each<[string, Record<string, unknown>]>([
    ["an unknown Vapi id and no metadata", { id: "vapi-unknown" }],
    ["an unknown Vapi id and a malformed call id", { id: "vapi-unknown", metadata: { callId: "not-a-convex-id" } }],
    ["no call object at all", {}],
  ])("%s -> 200 and nothing written", async (_label, call) => {
    const { t, world } = await placedCallWithReport();
    const before = await snapshot(t);
    const report = endOfCallReport("x", "y", AGREED);
    const res = await postWebhook(t, { message: { ...report.message, call } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: "unknown_call" });
    expect((await postWebhook(t, statusUpdate("vapi-unknown", "nope", "ended", "customer-busy"))).status).toBe(200);
    await runScheduled(t);
    expect(await snapshot(t)).toEqual(before);
    expect(world.groqRequests).toHaveLength(0);
  });

  test("our call id cannot hijack a call already tied to another Vapi call", async () => {
    const { t, callId } = await placedCallWithReport();
    const before = await snapshot(t);
    const res = await postWebhook(t, endOfCallReport("vapi-someone-else", callId, AGREED));
    expect(await res.json()).toEqual({ result: "unknown_call" });
    await runScheduled(t);
    expect(await snapshot(t)).toEqual(before);
  });

  test.each<[string, (vapiCallId: string, callId: string) => Record<string, unknown>]>([
    ["the overrides' metadata", (id, callId) => ({ id, assistantOverrides: { metadata: { callId } } })],
    ["the call's metadata", (id, callId) => ({ id, metadata: { callId } })],
  ])("a Vapi id we have not recorded yet is matched by metadata.callId in %s", async (_label, call) => {
    const { t, world, opportunityId } = await setupWorld();
    // The dial has not been recorded yet (Vapi's webhook raced our recordDialed).
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    world.groqReplies = [BOOKED_REPLY];
    const ringing = statusUpdate("vapi-early", callId, "ringing");
    expect((await postWebhook(t, { message: { ...ringing.message, call: call("vapi-early", callId) } })).status).toBe(200);
    expect(await getCall(t, callId)).toMatchObject({ status: "ringing", vapiCallId: "vapi-early" });

    const report = endOfCallReport("vapi-early", callId, AGREED);
    const res = await postWebhook(t, { message: { ...report.message, call: call("vapi-early", callId) } });
    expect(await res.json()).toEqual({ result: "applied" });
    await runScheduled(t);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ callId, meetingTime: Date.parse(AGREED_ISO) })]);
    // The late dial found the call no longer scheduled: Vapi was never asked to place it again.
    expect(world.vapiCreates).toHaveLength(0);
  });
});

describe("status-update", () => {
  test("moves the call forward only: a late ringing or queued after in-progress is ignored", async () => {
    const { t, vapiCallId, callId } = await placedCallWithReport();
    const send = async (status: string, endedReason?: string) => {
      expect((await postWebhook(t, statusUpdate(vapiCallId, callId, status, endedReason))).status).toBe(200);
      return (await getCall(t, callId)).status;
    };
    expect(await send("ringing")).toBe("ringing");
    expect(await send("in-progress")).toBe("in-progress");
    expect(await send("ringing")).toBe("in-progress");
    expect(await send("queued")).toBe("in-progress");
    expect(await send("ended", "customer-ended-call")).toBe("ended");
    expect(await send("in-progress")).toBe("ended");
    expect(await getCall(t, callId)).toMatchObject({ outcome: "completed", endedReason: "customer-ended-call" });
  });

  test.each([
    ["customer-did-not-answer", "no_answer"],
    ["customer-busy", "busy"],
    ["voicemail", "voicemail"],
    ["customer-ended-call", "completed"],
    ["assistant-ended-call", "completed"],
    ["twilio-failed-to-connect-call", "failed"],
    ["pipeline-error-openai-llm-failed", "failed"],
    ["a-reason-vapi-adds-next-year", "failed"],
  ])("ended with %s -> outcome %s", async (endedReason, outcome) => {
    const { t, vapiCallId, callId } = await placedCallWithReport();
    expect((await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", endedReason))).status).toBe(200);
    expect(await getCall(t, callId)).toMatchObject({ status: "ended", endedReason, outcome });
  });

  test("the ended reason may travel on the call object only", async () => {
    const { t, vapiCallId, callId } = await placedCallWithReport();
    const update = statusUpdate(vapiCallId, callId, "ended");
    const body = { message: { ...update.message, call: { ...update.message.call, endedReason: "customer-busy" } } };
    expect((await postWebhook(t, body)).status).toBe(200);
    expect(await getCall(t, callId)).toMatchObject({ status: "ended", outcome: "busy" });
  });

  test("a status we do not track -> 200, the call unchanged", async () => {
    const { t, vapiCallId, callId } = await placedCallWithReport();
    const before = await getCall(t, callId);
    expect((await postWebhook(t, statusUpdate(vapiCallId, callId, "not-a-status"))).status).toBe(200);
    expect(await getCall(t, callId)).toEqual(before);
  });
});

describe("end-of-call-report contents", () => {
  test("stores the recording URLs, cost, duration, times, ended reason and messages, tolerating unknown fields", async () => {
    const { t, vapiCallId, callId } = await placedCallWithReport();
    const report = endOfCallReport(vapiCallId, callId, AGREED);
    const body = {
      message: {
        ...report.message,
        timestamp: 1772550250000,
        customer: { number: "+12015550123" },
        artifact: { ...report.message.artifact, stereoRecordingUrl: "https://storage.example/rec-stereo.wav", somethingNew: { a: 1 } },
        call: { ...report.message.call, orgId: "org-1", monitor: { listenUrl: "wss://x" } },
      },
    };
    expect((await postWebhook(t, body)).status).toBe(200);
    expect(await getCall(t, callId)).toMatchObject({
      status: "ended",
      endedReason: "customer-ended-call",
      outcome: "completed",
      recordingUrl: "https://storage.example/rec.wav",
      stereoRecordingUrl: "https://storage.example/rec-stereo.wav",
      cost: 0.21,
      durationSeconds: 180,
      startedAt: Date.parse("2026-11-21T15:01:00.000Z"),
      endedAt: Date.parse("2026-11-21T15:04:00.000Z"),
      messageCount: AGREED.length,
      analysisStatus: "scheduled",
    });
    const messages = await rows(t, "callMessages");
    // Atlas's system prompt is ours, not conversation: it is not stored.
    expect(messages.map((m) => [m.role, m.text])).toEqual(AGREED.map(([who, text]) => [who === "AI" ? "assistant" : "user", text]));
  });

  test("an explicit durationSeconds wins over the times", async () => {
    const { t, vapiCallId, callId } = await placedCallWithReport();
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED, { durationSeconds: 171.5 }));
    expect((await getCall(t, callId)).durationSeconds).toBe(171.5);
  });

  test("legacy payload: a top-level transcript text, recording URL and no artifact still books", async () => {
    const { t, vapiCallId, callId } = await placedCallWithReport();
    const transcript = AGREED.map(([who, text]) => `${who}: ${text}`).join("\n");
    const res = await postWebhook(t, {
      message: {
        type: "end-of-call-report",
        endedReason: "customer-ended-call",
        call: { id: vapiCallId, metadata: { callId } },
        transcript,
        recordingUrl: "https://storage.example/legacy.wav",
      },
    });
    expect(res.status).toBe(200);
    await runScheduled(t);
    const messages = await rows(t, "callMessages");
    expect(messages.map((m) => [m.role, m.text])).toEqual(AGREED.map(([who, text]) => [who === "AI" ? "assistant" : "user", text]));
    expect(await getCall(t, callId)).toMatchObject({ recordingUrl: "https://storage.example/legacy.wav", outcome: "booked" });
  });

  test("legacy payload: top-level messages with `assistant` roles and `content` still books", async () => {
    const { t, vapiCallId, callId } = await placedCallWithReport();
    const res = await postWebhook(t, {
      message: {
        type: "end-of-call-report",
        endedReason: "customer-ended-call",
        call: { id: vapiCallId },
        messages: [
          { role: "system", content: "You are Atlas" },
          ...AGREED.map(([who, text]) => ({ role: who === "AI" ? "assistant" : "user", content: text })),
          { role: "tool_calls", content: "" },
        ],
      },
    });
    expect(res.status).toBe(200);
    await runScheduled(t);
    const messages = await rows(t, "callMessages");
    expect(messages.map((m) => m.role)).toEqual(AGREED.map(([who]) => (who === "AI" ? "assistant" : "user")));
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ callId })]);
  });

  test("a report for a call nobody answered ends it without asking Groq", async () => {
    const { t, world, vapiCallId, callId, opportunityId } = await placedCallWithReport();
    await postWebhook(t, endOfCallReport(vapiCallId, callId, [], { endedReason: "customer-did-not-answer", artifact: { messages: [] } }));
    await runScheduled(t);
    expect(world.groqRequests).toHaveLength(0);
    expect(await getCall(t, callId)).toMatchObject({ status: "ended", outcome: "no_answer", analysisStatus: "skipped" });
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("New");
  });
});

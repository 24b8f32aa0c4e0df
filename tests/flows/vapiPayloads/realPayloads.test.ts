/**
 * Vapi as real accounts send it, end to end: payloads typed by the SDK with the
 * nulls real captures carry, both report layouts, the carrier and transfer
 * endings, oversized strings, and a prospect name longer than Vapi accepts.
 */
import { describe, expect, test, vi } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import { internal } from "../../../convex/_generated/api";
// Verbatim from /work/shared/fixtures/vapi: field names as in real captures.
import withNullsFixture from "../../fixtures/vapi/assistant-request.with-nulls.json";
import { SPOKEN } from "../../../convex/model/calls/inbound";
import { MAX_ENDED_REASON_CHARS, MAX_ID_CHARS, MAX_TOOL_ARGUMENTS_CHARS, MAX_URL_CHARS } from "../../../convex/model/providers/vapiMessages";
import { AGREED, AGREED_ISO, NOW } from "../../helpers/conversation";
import { AGENCY_NUMBER, assistantRequestWithNulls, type Body, endOfCallReportWithNulls, REPORT_START, statusUpdateWithNulls, timedMessages, toolCall, toolCallsWithNulls, type ToolReply, vapiCall, withUnknown } from "../../helpers/vapiPayloads";
import { getCall, placeCall, placedCall, postWebhook, rows, runScheduled, setupWorld, snapshot } from "../../helpers/world";

// convex-test loads every module on a file's first test: seconds on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

const CALLER = "+12015550187";

const SPOKEN_ROLES = AGREED.map(([who]) => (who === "AI" ? "assistant" : "user"));

describe("assistant-request with nulls", () => {
  test("the with-nulls inbound call gets the saved assistant, not 'Sorry, we can't take your call'", async () => {
    const { t } = await setupWorld({ agency: { inboundPhoneNumber: AGENCY_NUMBER } });
    const res = await postWebhook(t, assistantRequestWithNulls("0c7d2e91-3f4a-4b8c-9d1e-2a3b4c5d6e7f", AGENCY_NUMBER, CALLER));
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { assistantId?: string; error?: string; assistantOverrides?: { metadata: { callId: string } } };
    expect(reply.error).toBeUndefined();
    expect(reply).not.toEqual({ error: SPOKEN.unavailable });
    expect(reply.assistantId).toBe("assistant-1");
    const [call] = await rows(t, "calls");
    expect(call).toMatchObject({ _id: reply.assistantOverrides!.metadata.callId, direction: "inbound", vapiCallId: "0c7d2e91-3f4a-4b8c-9d1e-2a3b4c5d6e7f" });
    // A null name is no name: the caller is not named "null".
    expect((await rows(t, "opportunities")).find((o) => o.phone === CALLER)?.name).toBe("Unknown caller");
  });

  test("the captured fixture, byte for byte, gets the saved assistant", async () => {
    const { t } = await setupWorld({ agency: { inboundPhoneNumber: withNullsFixture.message.phoneNumber.number } });
    const res = await postWebhook(t, JSON.stringify(withNullsFixture));
    const reply = (await res.json()) as { assistantId?: string; error?: string };
    expect(reply).toMatchObject({ assistantId: "assistant-1" });
    expect(reply.error).toBeUndefined();
    expect(await rows(t, "calls")).toEqual([expect.objectContaining({ vapiCallId: withNullsFixture.message.call.id, direction: "inbound" })]);
  });
});

describe("end-of-call-report with nulls", () => {
  test("current layout: applied with its timing, recordings from artifact.recording, null fields left unset", async () => {
    const { t, callId, vapiCallId } = await placedCall();
    const res = await postWebhook(t, endOfCallReportWithNulls(vapiCallId, callId, AGREED));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: "applied" });
    await runScheduled(t);
    expect(await getCall(t, callId)).toMatchObject({
      status: "ended",
      outcome: "booked",
      recordingUrl: "https://storage.example/mono.wav",
      stereoRecordingUrl: "https://storage.example/stereo.wav",
      durationSeconds: 180,
    });
    const messages = await rows(t, "callMessages");
    expect(messages.map((m) => [m.role, m.secondsFromStart])).toEqual(SPOKEN_ROLES.map((role, i) => [role, 2 + i * 5]));
  });

  test("2024 layout: empty artifact.messages, the timed conversation at the top level, still books with timing", async () => {
    const { t, callId, vapiCallId } = await placedCall();
    const res = await postWebhook(t, endOfCallReportWithNulls(vapiCallId, callId, AGREED, { layout: "2024" }));
    expect(await res.json()).toEqual({ result: "applied" });
    await runScheduled(t);
    const messages = await rows(t, "callMessages");
    expect(messages.map((m) => [m.role, m.text, m.secondsFromStart])).toEqual(AGREED.map(([, text], i) => [SPOKEN_ROLES[i], text, 2 + i * 5]));
    expect(await getCall(t, callId)).toMatchObject({ outcome: "booked", messageCount: AGREED.length });
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ callId })]);
  });

  test.each<Vapi.ServerMessageEndOfCallReportEndedReason>([
    "call.in-progress.twilio-completed-call",
    "call.in-progress.sip-completed-call",
    "vonage-completed",
    "customer-ended-call-during-transfer",
    "customer-ended-call-after-warm-transfer-attempt",
  ])("a conversation that ended with %s is connected and analysed", async (endedReason) => {
    const { t, callId, vapiCallId, opportunityId } = await placedCall();
    await postWebhook(t, endOfCallReportWithNulls(vapiCallId, callId, AGREED.slice(0, 2), { endedReason }));
    const call = await getCall(t, callId);
    expect(call).toMatchObject({ endedReason, outcome: "completed", analysisStatus: "scheduled" });
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("Contacted");
    expect(await t.query(internal.calls.funnel, { agencyId: call.agencyId, from: NOW - 60_000, to: NOW + 60_000 })).toMatchObject({
      placed: 1,
      connected: 1,
    });
  });

  test("oversized strings are bounded before they are stored", async () => {
    const { t, callId, vapiCallId } = await placedCall();
    const body = endOfCallReportWithNulls(vapiCallId, callId, AGREED, {
      artifact: {
        messages: timedMessages(AGREED, Date.parse(REPORT_START)),
        recordingUrl: `https://storage.example/${"m".repeat(MAX_URL_CHARS)}.wav`,
        stereoRecordingUrl: "https://storage.example/stereo.wav",
      },
    });
    (body.message as { endedReason: string }).endedReason = `customer-ended-call${"!".repeat(100_000)}`;
    expect(await (await postWebhook(t, body)).json()).toEqual({ result: "applied" });
    const call = await getCall(t, callId);
    expect(call.endedReason).toHaveLength(MAX_ENDED_REASON_CHARS);
    expect(call.recordingUrl).toBeUndefined();
    expect(call.stereoRecordingUrl).toBe("https://storage.example/stereo.wav");
  });
});

describe("status-update with nulls", () => {
  test("a carrier ending on a status-update is connected, and a null reason leaves the outcome open", async () => {
    const { t, callId, vapiCallId } = await placedCall();
    expect((await postWebhook(t, statusUpdateWithNulls(vapiCallId, callId, "in-progress", null))).status).toBe(200);
    expect(await getCall(t, callId)).toMatchObject({ status: "in-progress" });
    expect((await getCall(t, callId)).outcome).toBeUndefined();
    expect((await postWebhook(t, statusUpdateWithNulls(vapiCallId, callId, "ended", "call.in-progress.twilio-completed-call"))).status).toBe(200);
    const call = await getCall(t, callId);
    expect(call).toMatchObject({ status: "ended", outcome: "completed", endedReason: "call.in-progress.twilio-completed-call" });
    // A conversation is not retried.
    expect(call.retryCallId).toBeUndefined();
  });

  test("an oversized Vapi call id is not stored: the call is found by our id and keeps Vapi's real one", async () => {
    const { t, callId, vapiCallId } = await placedCall();
    const body = statusUpdateWithNulls("v".repeat(MAX_ID_CHARS * 100), callId, "in-progress", null);
    expect((await postWebhook(t, body)).status).toBe(200);
    expect(await getCall(t, callId)).toMatchObject({ status: "in-progress", vapiCallId });
  });
});

describe("tool-calls with nulls", () => {
  test("answered in order; arguments as the SDK types them (a JSON string) and as an object", async () => {
    const { t, callId, vapiCallId } = await placedCall();
    const body = toolCallsWithNulls(vapiCallId, callId, [
      toolCall("call_check_1", "check_availability", { date: "2026-11-24", timeOfDay: null }),
      // Real payloads send arguments as an object although the SDK types a string.
      withUnknown(toolCall("call_book_1", "book_meeting", {}), { function: { name: "book_meeting", arguments: { slotIso: AGREED_ISO } } }),
    ]);
    const reply = (await (await postWebhook(t, body)).json()) as ToolReply;
    expect(reply.results.map((r) => r.toolCallId)).toEqual(["call_check_1", "call_book_1"]);
    expect(reply.results[0].result).toMatch(/^Free times: S\d+: Tue, Nov 24/);
    expect(reply.results[1].result).toMatch(/^Booked: Tue, Nov 24, 2:00 PM EST/);
    expect(await rows(t, "meetings")).toHaveLength(1);
  });

  test("an id too long to be Vapi's is not kept; oversized arguments get a bounded error in the ledger", async () => {
    const { t, callId, vapiCallId } = await placedCall();
    const body = toolCallsWithNulls(vapiCallId, callId, [
      toolCall("x".repeat(MAX_ID_CHARS + 1), "check_availability", {}),
      toolCall("call_book_big", "book_meeting", { slotIso: AGREED_ISO, note: "n".repeat(MAX_TOOL_ARGUMENTS_CHARS) }),
    ]);
    const reply = (await (await postWebhook(t, body)).json()) as ToolReply;
    expect(reply.results).toEqual([
      { toolCallId: "call_book_big", error: `book_meeting: arguments are longer than ${MAX_TOOL_ARGUMENTS_CHARS} characters` },
    ]);
    const ledger = await rows(t, "toolCalls");
    expect(ledger.map((r) => r.toolCallId)).toEqual(["call_book_big"]);
    expect(await rows(t, "meetings")).toHaveLength(0);
  });
});

describe("messages Atlas does not handle", () => {
  test("a transfer-update with nulls and unknown fields -> 200 and nothing written", async () => {
    const { t, callId, vapiCallId } = await placedCall();
    const before = await snapshot(t);
    const body: Body<Vapi.ServerMessageTransferUpdate> = {
      message: withUnknown(
        {
          type: "transfer-update",
          timestamp: NOW,
          destination: { type: "number", number: "+12125550111", message: null, extension: null, callerId: null },
          toAssistant: null,
          fromAssistant: null,
          call: vapiCall(vapiCallId, callId, { status: "forwarding" }),
        },
        { somethingNew: { nested: null } },
      ),
    };
    const res = await postWebhook(t, body);
    expect(res.status).toBe(200);
    await runScheduled(t);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe("GET /call with nulls (the reconciler)", () => {
  test("Vapi's call object in the 2024 layout, nulls included, is applied with its timing", async () => {
    const { t, world, callId, vapiCallId } = await placedCall();
    world.vapiCallState.set(
      vapiCallId,
      withUnknown(
        vapiCall(vapiCallId, callId, {
          status: "ended",
          endedReason: "call.in-progress.sip-completed-call",
          startedAt: REPORT_START,
          endedAt: "2026-11-21T15:04:00.000Z",
          cost: null,
          artifact: { messages: [], recordingUrl: null, recording: { stereoUrl: null, mono: { combinedUrl: "https://storage.example/m.wav" } } },
        }),
        { messages: timedMessages(AGREED, Date.parse(REPORT_START)) },
      ),
    );
    vi.setSystemTime(NOW + 16 * 60_000);
    expect(await t.action(internal.reconcile.run, {})).toMatchObject({ due: 1, applied: 1, errors: 0 });
    await runScheduled(t);
    expect(await getCall(t, callId)).toMatchObject({ outcome: "booked", recordingUrl: "https://storage.example/m.wav" });
    expect((await rows(t, "callMessages")).map((m) => m.secondsFromStart)).toEqual(AGREED.map((_, i) => 2 + i * 5));
  });
});

describe("customer.name within Vapi's 40 characters", () => {
  test("a long prospect name is cut on a word boundary for Vapi; the prompt keeps it whole", async () => {
    const name = "Alexandra Catherine Montgomery-Whitfield of Brightline Dental";
    const { t, world, opportunityId } = await setupWorld({ prospect: { name } });
    const { callId } = await placeCall(t, opportunityId);
    const create = world.vapiCreates[0].body as { customer: { name: string }; assistantOverrides: { variableValues: { prospectName: string } } };
    expect(create.customer.name).toBe("Alexandra Catherine Montgomery-Whitfield");
    expect(create.assistantOverrides.variableValues.prospectName).toBe(name);
    expect(await getCall(t, callId)).toMatchObject({ status: "queued" });
  });

  test("the fake Vapi refuses a name over 40 characters, as Vapi does", async () => {
    const { world } = await setupWorld();
    const res = await fetch("https://api.vapi.ai/call", { method: "POST", body: JSON.stringify({ customer: { number: CALLER, name: "n".repeat(41) } }) });
    expect(res.status).toBe(400);
    expect(world.vapiCreates).toHaveLength(1);
  });
});

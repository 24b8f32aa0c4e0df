import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { outboxRows } from "../../helpers/backend";
import { controlUrlOf } from "../../helpers/fakeWorld";
import type { Vapi } from "@vapi-ai/server-sdk";
import { endOfCallReportWithNulls, toolCall, toolCallsMessage, vapiCall } from "../../helpers/vapiPayloads";
import { placeCall, postWebhook, rows } from "../../helpers/world";
import {
  attempts,
  CALLER_PHONE,
  callbackWorld,
  callerLeavesMessage,
  fallbackEmails,
  MESSAGE,
  runDue,
  STAFF_PHONE,
  staffCalls,
  staffReport,
  staffToolCall,
  theMessage,
} from "../../helpers/callbacks";

vi.setConfig({ testTimeout: 60_000 });

describe("a caller's message becomes a staff call that connects them", () => {
  test("a message on an inbound call places one staff call with the callback assistant, the staff phone and the message", async () => {
    const w = await callbackWorld();
    const { callId } = await callerLeavesMessage(w);
    const calls = staffCalls(w.world);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ assistantId: "callback-assistant-1", phoneNumberId: "phone-number-1", customer: { number: STAFF_PHONE } });
    expect(calls[0].assistantOverrides.variableValues).toEqual({
      agencyName: "Brightline Growth",
      customerName: "Sam Ortiz",
      customerPhone: CALLER_PHONE,
      message: MESSAGE,
      urgent: false,
    });
    const message = await theMessage(w.t);
    expect(message).toMatchObject({ agencyId: w.agencyId, callId, text: MESSAGE, urgent: false, status: "calling", source: "caller_message" });
    const [attempt] = await attempts(w.t);
    expect(calls[0].attemptId).toBe(attempt._id);
    expect(attempt).toMatchObject({ attemptNumber: 1, status: "dialing", staffPhone: STAFF_PHONE, customerPhone: CALLER_PHONE, vapiCallId: calls[0].vapiCallId });
    expect(attempt.controlUrl).toBe(controlUrlOf(calls[0].vapiCallId));
  });

  test("connect_to_customer transfers the live call to the caller once; a replay or a second ask posts nothing more", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);

    const first = await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1");
    expect(first.results).toEqual([{ toolCallId: "call_connect_1", result: "Connecting you now." }]);
    expect(w.world.controlRequests).toHaveLength(1);
    expect(w.world.controlRequests[0].url).toBe(controlUrlOf(vapiCallId));
    expect(w.world.controlRequests[0].body).toEqual({ type: "transfer", destination: { type: "number", number: CALLER_PHONE, callerId: "+12125550100" } });

    const replay = await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1");
    expect(replay.results).toEqual(first.results);
    const again = await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_2");
    expect(again.results[0].result).toMatch(/already connecting/i);
    expect(w.world.controlRequests).toHaveLength(1);
    expect((await attempts(w.t))[0].status).toBe("connecting");

    await staffReport(w.t, vapiCallId, attemptId, { transfers: ["connected"], cost: 0.12 });
    const [attempt] = await attempts(w.t);
    expect(attempt).toMatchObject({ status: "connected", cost: 0.12, endedReason: "assistant-forwarded-call" });
    expect(attempt.connectedAt).toBeDefined();
    expect(attempt.answeredAt).toBeDefined();
    expect(await theMessage(w.t)).toMatchObject({ status: "connected" });
    // Once connected, the caller is not connected again, and nothing goes the fallback way.
    const late = await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_3");
    expect(late.results[0].error).toMatch(/already connected/i);
    expect(w.world.controlRequests).toHaveLength(1);
    await runDue(w.t);
    expect(fallbackEmails(w.world)).toEqual([]);
  });

  test("a transfer-update that reached the caller settles the connection before the report; the report only adds the cost", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);
    await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1");
    const update = {
      type: "transfer-update",
      destination: { type: "number", number: CALLER_PHONE },
      call: { id: vapiCallId, assistantOverrides: { metadata: { callbackAttemptId: attemptId } } },
      artifact: { messages: [], transfers: [{ destination: { type: "number", number: CALLER_PHONE }, status: "connected" }] },
    };
    expect((await postWebhook(w.t, { message: update })).status).toBe(200);
    expect((await attempts(w.t))[0].status).toBe("connected");
    // A report without transfer records does not undo what the transfer-update said.
    await staffReport(w.t, vapiCallId, attemptId, { transfers: null, cost: 0.09 });
    expect((await attempts(w.t))[0]).toMatchObject({ status: "connected", cost: 0.09 });
    expect(await theMessage(w.t)).toMatchObject({ status: "connected" });
  });

  test("the staff call's minutes and cost count in the agency's usage once, however often its report comes", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);
    const usage = async () => {
      const [month] = (await rows(w.t, "usageMonths")).filter((u) => u.agencyId === w.agencyId);
      return { connectedSeconds: month?.connectedSeconds ?? 0, billedMinutes: month?.billedMinutes ?? 0, callCostMicros: month?.callCostMicros ?? 0 };
    };
    const before = await usage();
    // The helper's report: started 60 s before it ended.
    await staffReport(w.t, vapiCallId, attemptId, { transfers: [], cost: 0.12 });
    await staffReport(w.t, vapiCallId, attemptId, { transfers: [], cost: 0.12 });
    const afterReports = await usage();
    expect(afterReports).toEqual({
      connectedSeconds: before.connectedSeconds + 60,
      billedMinutes: before.billedMinutes + 1,
      callCostMicros: before.callCostMicros + 120_000,
    });
    expect((await attempts(w.t))[0]).toMatchObject({ durationSeconds: 60, cost: 0.12 });
  });

  test("a report as Vapi's SDK types it, nulls and all, with a connected transfer record settles the connection", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);
    await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1");
    const transfer: Vapi.TransferArtifact = {
      destination: { type: "number", number: CALLER_PHONE },
      mode: "blind-transfer",
      status: "connected",
    };
    const body = endOfCallReportWithNulls(vapiCallId, "unused", [["AI", "Shall I connect you?"], ["User", "Yes please."]], {
      endedReason: "assistant-forwarded-call",
      artifact: { messages: null, transcript: "AI: Shall I connect you?\nUser: Yes please.", recordingUrl: null, transfers: [transfer], structuredOutputs: null },
    });
    body.message.call = vapiCall(vapiCallId, null, { status: "ended", assistantOverrides: { metadata: { callbackAttemptId: attemptId }, variableValues: null } });
    expect((await postWebhook(w.t, body)).status).toBe(200);
    expect((await attempts(w.t))[0]).toMatchObject({ status: "connected", cost: 0.21, endedReason: "assistant-forwarded-call" });
    expect(await theMessage(w.t)).toMatchObject({ status: "connected" });
  });

  test("transferCall's transfer-destination-request gets the caller's number and the agency's caller id", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);
    const res = await postWebhook(w.t, {
      message: { type: "transfer-destination-request", call: { id: vapiCallId, assistantOverrides: { metadata: { callbackAttemptId: attemptId } } } },
    });
    expect(await res.json()).toEqual({
      destination: { type: "number", number: CALLER_PHONE, callerId: "+12125550100" },
      message: { type: "request-start", message: "Connecting you now." },
    });
    expect((await attempts(w.t))[0].status).toBe("connecting");
    expect(w.world.controlRequests).toHaveLength(0);
  });

  test("connect_to_customer on a prospect call and a transfer request for it are refused in one line", async () => {
    const w = await callbackWorld();
    const { callId, vapiCallId } = await placeCall(w.t, w.opportunityId);
    const res = await postWebhook(w.t, toolCallsMessage(vapiCallId, callId, [toolCall("call_x", "connect_to_customer", {})]));
    const reply = (await res.json()) as { results: { error?: string }[] };
    expect(reply.results[0].error).toMatch(/only works on a staff callback call/);
    expect(reply.results[0].error).not.toMatch(/\n/);
    const dest = await postWebhook(w.t, { message: { type: "transfer-destination-request", call: { id: vapiCallId, assistantOverrides: { metadata: { callId } } } } });
    expect(await dest.json()).toEqual({ error: "This call cannot be transferred." });
    expect(w.world.controlRequests).toHaveLength(0);
    expect(await rows(w.t, "staffMessages")).toEqual([]);
  });

  test("a staff member who hears the message and says no is recorded as declined", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [call] = staffCalls(w.world);
    await staffReport(w.t, call.vapiCallId, call.attemptId, { endedReason: "customer-ended-call", declined: true, lines: [["AI", "Shall I connect you?"], ["User", "No, not now."]] });
    expect((await attempts(w.t))[0]).toMatchObject({ status: "declined", cost: 0.07 });
    expect(await theMessage(w.t)).toMatchObject({ status: "declined" });
  });

  test("a staff member who hears the message and hangs up is recorded as delivered; nothing falls back", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [call] = staffCalls(w.world);
    await staffReport(w.t, call.vapiCallId, call.attemptId, { endedReason: "customer-ended-call", lines: [["AI", "Shall I connect you?"], ["User", "Got it, thanks, bye."]] });
    expect((await attempts(w.t))[0].status).toBe("delivered");
    expect(await theMessage(w.t)).toMatchObject({ status: "delivered" });
    await runDue(w.t);
    expect(fallbackEmails(w.world)).toEqual([]);
  });

  test("the list shows messages newest first with their attempts, and the funnel counts them", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);
    await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1");
    vi.advanceTimersByTime(90_000);
    await staffReport(w.t, vapiCallId, attemptId, { transfers: ["completed"] });
    const listed = await w.t.query(internal.callbacks.list, { agencyId: w.agencyId });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ text: MESSAGE, status: "connected", customerPhone: CALLER_PHONE });
    expect(listed[0].attempts).toMatchObject([{ attemptNumber: 1, status: "connected", cost: 0.07 }]);
    const funnel = await w.t.query(internal.callbacks.funnel, { agencyId: w.agencyId, from: 0, to: Date.now() + 1 });
    expect(funnel).toMatchObject({ messagesTaken: 1, callbacksConnected: 1, truncated: false });
    expect(funnel.medianMinutesToConnection).toBeGreaterThanOrEqual(0);
    expect(funnel.medianMinutesToConnection).toBeLessThan(1);
    // The agency's funnel carries the same counts beside the calls'.
    const callsFunnel = await w.t.query(internal.calls.funnel, { agencyId: w.agencyId, from: 0, to: Date.now() + 1 });
    expect(callsFunnel).toMatchObject({ messagesTaken: 1, callbacksConnected: 1, medianMinutesToConnection: funnel.medianMinutesToConnection, truncated: false });
    expect(await outboxRows(w.t)).toEqual([]);
  });
});

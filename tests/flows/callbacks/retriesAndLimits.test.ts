import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { outboxRows } from "../../helpers/backend";
import { postWebhook, rows } from "../../helpers/world";
import {
  after,
  attempts,
  CALLER_PHONE,
  callbackWorld,
  callerLeavesMessage,
  fallbackEmails,
  MESSAGE,
  runDue,
  staffCalls,
  staffReport,
  staffToolCall,
  staffTransferUpdate,
  STAFF_PHONE,
  theMessage,
} from "../../helpers/callbacks";

vi.setConfig({ testTimeout: 60_000 });

const MINUTE = 60_000;

describe("staff not reached: retries, then one fallback", () => {
  test("no answer retries after retryDelayMinutes up to maxAttempts, then one email to the agency and one open call_back task", async () => {
    const w = await callbackWorld({ settings: { maxAttempts: 2, retryDelayMinutes: 5 } });
    await callerLeavesMessage(w);
    const endings = ["customer-did-not-answer", "voicemail", "customer-busy"];
    for (const [i, endedReason] of endings.entries()) {
      const calls = staffCalls(w.world);
      expect(calls).toHaveLength(i + 1);
      const { vapiCallId, attemptId } = calls[i];
      await staffReport(w.t, vapiCallId, attemptId, { endedReason, lines: [] });
      // Vapi may say it twice (status-update, report again): nothing more happens.
      await postWebhook(w.t, { message: { type: "status-update", status: "ended", endedReason, call: { id: vapiCallId, assistantOverrides: { metadata: { callbackAttemptId: attemptId } } } } });
      await staffReport(w.t, vapiCallId, attemptId, { endedReason, lines: [] });
      await runDue(w.t);
      if (i < endings.length - 1) {
        // Not before the delay...
        await after(w.t, 5 * MINUTE - 1000);
        expect(staffCalls(w.world)).toHaveLength(i + 1);
        // ...and at it.
        await after(w.t, 1000);
        expect(staffCalls(w.world)[i + 1].at - calls[i].at).toBeGreaterThanOrEqual(5 * MINUTE);
      }
    }
    const tried = await attempts(w.t);
    expect(tried.map((a) => [a.attemptNumber, a.status])).toEqual([[1, "no_answer"], [2, "no_answer"], [3, "no_answer"]]);
    await after(w.t, 60 * MINUTE);
    expect(staffCalls(w.world)).toHaveLength(3);
    const emails = fallbackEmails(w.world);
    expect(emails).toHaveLength(1);
    expect(emails[0].to).toEqual(["team@brightline.example"]);
    expect(emails[0].text).toContain("Sam Ortiz");
    expect(emails[0].text).toContain(CALLER_PHONE);
    expect(emails[0].text).toContain(MESSAGE);
    const tasks = (await rows(w.t, "tasks")).filter((t) => t.type === "call_back");
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: "open", details: { callbackPhone: CALLER_PHONE, numberValid: true } });
    expect(await theMessage(w.t)).toMatchObject({ status: "fallback" });
    expect((await outboxRows(w.t)).filter((r) => r.message.kind === "callback_fallback")).toHaveLength(1);
    // The staff phone gets the message as one text too, from the agency's number.
    const texts = w.world.deliveredTexts.filter((t) => t.to === STAFF_PHONE);
    expect(texts).toHaveLength(1);
    expect(texts[0].from).toBe("+12125550100");
    expect(texts[0].body).toContain(CALLER_PHONE);
    expect(texts[0].body).toContain(MESSAGE);
  });

  test("a connection that fails falls back at once: one email, one open task, no retry", async () => {
    const w = await callbackWorld({ settings: { maxAttempts: 3 } });
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);
    await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1");
    await staffReport(w.t, vapiCallId, attemptId, { transfers: ["no-answer"] });
    await staffReport(w.t, vapiCallId, attemptId, { transfers: ["no-answer"] });
    await after(w.t, 60 * MINUTE);
    expect((await attempts(w.t)).map((a) => a.status)).toEqual(["connect_failed"]);
    expect(staffCalls(w.world)).toHaveLength(1);
    expect(fallbackEmails(w.world)).toHaveLength(1);
    expect((await rows(w.t, "tasks")).filter((t) => t.type === "call_back" && t.status === "open")).toHaveLength(1);
  });

  test("a transfer Vapi refuses is answered as a failure, replayed as one, and falls back", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);
    w.world.controlReplies = [{ status: 400, json: { message: "call not active" } }];
    const reply = await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1");
    expect(reply.results[0].error).toMatch(/could not be started/);
    expect((await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1")).results).toEqual(reply.results);
    expect(w.world.controlRequests).toHaveLength(1);
    await runDue(w.t);
    expect((await attempts(w.t))[0].status).toBe("connect_failed");
    expect(fallbackEmails(w.world)).toHaveLength(1);
  });

  test("a transfer POST that gets no answer leaves the attempt connecting: the report's transfer record decides", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId, attemptId }] = staffCalls(w.world);
    w.world.controlReplies = [Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" })];
    const reply = await staffToolCall(w.t, vapiCallId, attemptId, "call_connect_1");
    expect(reply.results[0].error).toBeUndefined();
    await runDue(w.t);
    expect((await attempts(w.t))[0].status).toBe("connecting");
    expect(fallbackEmails(w.world)).toEqual([]);
    // Vapi did transfer: the report says the caller was reached.
    await staffReport(w.t, vapiCallId, attemptId, { transfers: ["completed"] });
    await runDue(w.t);
    expect((await attempts(w.t))[0].status).toBe("connected");
    expect(fallbackEmails(w.world)).toEqual([]);
  });

  test("Vapi refusing the staff call falls back once", async () => {
    const w = await callbackWorld({ settings: { maxAttempts: 2 } });
    w.world.failVapiCreate(400, { message: ["assistantId must be a UUID"], error: "Bad Request", statusCode: 400 });
    await callerLeavesMessage(w);
    await runDue(w.t);
    expect((await attempts(w.t)).map((a) => [a.status, a.failure?.statusCode])).toEqual([["failed", 400]]);
    expect(fallbackEmails(w.world)).toHaveLength(1);
  });
});

describe("hours, one call at a time, the daily cap", () => {
  /** Saturday 2026-11-21 10:00 New York: outside the agency's Mon-Fri 09:00-17:00. */
  const SATURDAY = Date.parse("2026-11-21T15:00:00Z");

  test("a non-urgent message outside the agency's hours waits for the next opening, Monday 09:00, and rings then", async () => {
    const w = await callbackWorld({ now: SATURDAY });
    await callerLeavesMessage(w, { messageForStaff: MESSAGE, urgent: false });
    expect(staffCalls(w.world)).toHaveLength(0);
    const [waiting] = await attempts(w.t);
    expect(waiting).toMatchObject({ status: "scheduled", dueAt: Date.parse("2026-11-23T14:00:00Z") });
    await after(w.t, Date.parse("2026-11-23T14:00:00Z") - Date.now() - MINUTE);
    expect(staffCalls(w.world)).toHaveLength(0);
    await after(w.t, MINUTE);
    expect(staffCalls(w.world)).toHaveLength(1);
    expect(staffCalls(w.world)[0].at).toBe(Date.parse("2026-11-23T14:00:00Z"));
  });

  test("an urgent message outside the agency's hours rings now", async () => {
    const w = await callbackWorld({ now: SATURDAY });
    await callerLeavesMessage(w, { messageForStaff: MESSAGE, urgent: true });
    const calls = staffCalls(w.world);
    expect(calls).toHaveLength(1);
    expect(calls[0].at).toBe(SATURDAY);
    expect(calls[0].assistantOverrides.variableValues.urgent).toBe(true);
  });

  test("an urgent message late at night waits for 08:00 in the staff phone's zone", async () => {
    // Monday 22:30 New York.
    const w = await callbackWorld({ now: Date.parse("2026-11-24T03:30:00Z") });
    await callerLeavesMessage(w, { messageForStaff: MESSAGE, urgent: true });
    expect(staffCalls(w.world)).toHaveLength(0);
    expect((await attempts(w.t))[0].dueAt).toBe(Date.parse("2026-11-24T13:00:00Z"));
  });

  test("never two staff calls of an agency at once: the second message's call waits until the first ends", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    await callerLeavesMessage(w, { messageForStaff: "Please send the invoice again." }, { number: "+12015550166", name: "Lee Park" });
    expect(staffCalls(w.world)).toHaveLength(1);
    await after(w.t, 3 * MINUTE);
    expect(staffCalls(w.world)).toHaveLength(1);
    const [first] = staffCalls(w.world);
    await staffReport(w.t, first.vapiCallId, first.attemptId, { endedReason: "customer-ended-call", lines: [["User", "Thanks, I'll call them."]] });
    await after(w.t, MINUTE);
    const calls = staffCalls(w.world);
    expect(calls).toHaveLength(2);
    expect(calls[1].assistantOverrides.variableValues).toMatchObject({ customerName: "Lee Park", message: "Please send the invoice again." });
  });

  test("a connected staff call still on the line counts as live: the next message's call waits for its end", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [first] = staffCalls(w.world);
    await staffToolCall(w.t, first.vapiCallId, first.attemptId, "call_connect_1");
    await staffTransferUpdate(w.t, first.vapiCallId, first.attemptId, "connected");
    expect((await attempts(w.t))[0].status).toBe("connected");
    await callerLeavesMessage(w, { messageForStaff: "Please send the invoice again." }, { number: "+12015550166", name: "Lee Park" });
    await after(w.t, 3 * MINUTE);
    // Staff are talking to the first caller: no second staff call rings.
    expect(staffCalls(w.world)).toHaveLength(1);
    await staffReport(w.t, first.vapiCallId, first.attemptId, { transfers: ["completed"] });
    await after(w.t, MINUTE);
    expect(staffCalls(w.world)).toHaveLength(2);
  });

  test("the daily cap: past maxCallbacksPerDay a message is not called about but emailed, with a task", async () => {
    const w = await callbackWorld({ settings: { maxCallbacksPerDay: 1 } });
    await callerLeavesMessage(w);
    const [first] = staffCalls(w.world);
    await staffReport(w.t, first.vapiCallId, first.attemptId, { endedReason: "customer-ended-call" });
    await callerLeavesMessage(w, { messageForStaff: "Please send the invoice again." }, { number: "+12015550166", name: "Lee Park" });
    await after(w.t, 10 * MINUTE);
    expect(staffCalls(w.world)).toHaveLength(1);
    const messages = await rows(w.t, "staffMessages");
    expect(messages.map((m) => m.status)).toEqual(["delivered", "fallback"]);
    expect(messages[1].reason).toMatch(/daily limit of 1/);
    expect(fallbackEmails(w.world).map((e) => e.text)).toEqual([expect.stringContaining("Please send the invoice again.")]);
  });

  test("callbacks off: the message is stored and nothing rings", async () => {
    const w = await callbackWorld({ settings: { enabled: false } });
    await callerLeavesMessage(w);
    expect(staffCalls(w.world)).toHaveLength(0);
    expect(await theMessage(w.t)).toMatchObject({ status: "taken", reason: "staff callbacks are off" });
  });

  test("a call-back request from the call-me process places the staff call with who and which number", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w, { messageForStaff: null, callbackRequested: true, callbackPhone: "201 555 0199" });
    const [call] = staffCalls(w.world);
    expect(call.assistantOverrides.variableValues).toMatchObject({
      customerPhone: "+12015550199",
      message: "Sam Ortiz asked for a person to call them back on +12015550199.",
    });
    expect(await theMessage(w.t)).toMatchObject({ source: "call_back_request", customerPhone: "+12015550199" });
    // Connected: the call_back task is done.
    await staffToolCall(w.t, call.vapiCallId, call.attemptId, "call_connect_1");
    await staffReport(w.t, call.vapiCallId, call.attemptId, { transfers: ["connected"] });
    expect((await rows(w.t, "tasks")).filter((t) => t.type === "call_back").map((t) => t.status)).toEqual(["done"]);
  });

  test("a re-run analysis takes no second message and places no second call", async () => {
    const w = await callbackWorld();
    const { callId } = await callerLeavesMessage(w);
    await w.t.action(internal.ai.processCallTranscript, { callId });
    await runDue(w.t);
    expect(await rows(w.t, "staffMessages")).toHaveLength(1);
    expect(staffCalls(w.world)).toHaveLength(1);
  });
});

describe("callbacks.configure", () => {
  test("bad values are refused naming the field, never echoing it, and nothing is written", async () => {
    const w = await callbackWorld({ settings: { maxAttempts: 1 } });
    const before = await rows(w.t, "callbackSettings");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ staffPhone: undefined }, /staffPhone is required/],
      [{ staffPhone: "555-01" }, /staffPhone is not a valid number/],
      [{ maxAttempts: 4 }, /maxAttempts must be a whole number from 0 to 3/],
      [{ maxAttempts: 1.5 }, /maxAttempts/],
      [{ retryDelayMinutes: 0 }, /retryDelayMinutes/],
      [{ maxCallbacksPerDay: -1 }, /maxCallbacksPerDay/],
    ];
    for (const [change, error] of cases) {
      const args = { agencyId: w.agencyId, enabled: true, staffPhone: "+12125550142", ...change };
      const attempt = w.t.mutation(internal.callbacks.configure, args as never);
      await expect(attempt).rejects.toThrow(error);
      await expect(attempt).rejects.not.toThrow(/555-01/);
    }
    expect(await rows(w.t, "callbackSettings")).toEqual(before);
  });

  test("defaults: no retries, 5 minutes between, 20 a day; the row is replaced, not added", async () => {
    const w = await callbackWorld();
    await w.t.mutation(internal.callbacks.configure, { agencyId: w.agencyId, enabled: false, staffPhone: "(212) 555-0143" });
    const settings = await rows(w.t, "callbackSettings");
    expect(settings).toHaveLength(1);
    expect(settings[0]).toMatchObject({ enabled: false, staffPhone: "+12125550143", maxAttempts: 0, retryDelayMinutes: 5, maxCallbacksPerDay: 20 });
  });
});

describe("a staff call whose report is lost", () => {
  test("Vapi's call object settles it: unanswered, then the fallback", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [{ vapiCallId }] = staffCalls(w.world);
    w.world.vapiCallState.set(vapiCallId, { status: "ended", endedReason: "customer-did-not-answer", cost: 0.01, artifact: { messages: [], transfers: null } });
    await after(w.t, 11 * MINUTE);
    expect((await attempts(w.t))[0]).toMatchObject({ status: "no_answer", cost: 0.01 });
    expect(fallbackEmails(w.world)).toHaveLength(1);
  });

  test("Vapi never answers: after the last check the attempt failed and the message falls back, once", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    for (let i = 0; i < 5; i++) await after(w.t, 5 * MINUTE);
    expect(w.world.to(/api\.vapi\.ai\/call\/vapi-call-1$/)).toHaveLength(3);
    expect((await attempts(w.t))[0]).toMatchObject({ status: "failed", failure: { message: expect.stringMatching(/^no report/) } });
    expect(fallbackEmails(w.world)).toHaveLength(1);
  });

  test("a caller who opted out before the staff call is not called about and no task asks to call them", async () => {
    const w = await callbackWorld({ now: Date.parse("2026-11-21T15:00:00Z") });
    await callerLeavesMessage(w);
    const message = await theMessage(w.t);
    await w.t.run((ctx) => ctx.db.patch("opportunities", message.opportunityId, { doNotCall: true }));
    await after(w.t, 3 * 24 * 60 * MINUTE);
    expect(staffCalls(w.world)).toHaveLength(0);
    expect(await theMessage(w.t)).toMatchObject({ status: "taken", reason: "the caller opted out of calls" });
    expect(fallbackEmails(w.world)).toEqual([]);
  });
});

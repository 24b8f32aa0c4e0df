/**
 * The Vapi edge without a backend: null means absent, both report layouts keep
 * their timing, every string from outside is bounded, and the carrier and
 * transfer endings count as conversations.
 */
import { describe, expect, test } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import {
  boundText,
  boundWords,
  endOfCallReport,
  envelope,
  MAX_CALLER_NAME_CHARS,
  MAX_CUSTOMER_NAME_CHARS,
  MAX_ENDED_REASON_CHARS,
  MAX_ID_CHARS,
  MAX_TOOL_ARGUMENTS_CHARS,
  MAX_URL_CHARS,
  assistantRequest,
  inboundParties,
  normaliseReport,
  statusUpdate,
  vapiCallObject,
  withoutNulls,
} from "../../convex/model/providers/vapiMessages";
import { outcomeForEndedReason } from "../../convex/model/calls/outcomes";
import { parseToolCall } from "../../convex/model/calls/tools";
import { AGREED } from "../helpers/conversation";
import { assistantRequestWithNulls, endOfCallReportWithNulls, REPORT_START, statusUpdateWithNulls, timedMessages, toolCall, vapiCall, type WithNulls } from "../helpers/vapiPayloads";

/** A webhook body read the way vapi.webhook reads it: the envelope, then the report. */
function reportOf(body: unknown) {
  return normaliseReport(endOfCallReport.parse(envelope.parse(body).message));
}

const SPOKEN_LINES = AGREED.map(([who, text], i) => ({ role: who === "AI" ? "assistant" : "user", text, secondsFromStart: 2 + i * 5 }));

describe("null means absent", () => {
  test("null fields and null list entries are dropped at any depth; everything else is kept", () => {
    expect(withoutNulls({ a: null, b: { c: null, d: [1, null, { e: null, f: "x" }] }, g: 0, h: "", i: false })).toEqual({
      b: { d: [1, { f: "x" }] },
      g: 0,
      h: "",
      i: false,
    });
    expect(withoutNulls(null)).toBeNull();
  });

  test("a __proto__ key stays a plain field and pollutes nothing", () => {
    const out = withoutNulls(JSON.parse('{"__proto__": {"polluted": true}, "x": null}')) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  test("a body nested 100,000 deep is read without overflowing the stack", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(() => envelope.safeParse({ message: { type: "speech-update", extra: deep, nothing: null } })).not.toThrow();
  });

  test("the with-nulls assistant-request parses and names the called number, the caller and no name", () => {
    const parsed = assistantRequest.parse(envelope.parse(assistantRequestWithNulls("vapi-in-1", "+12125550100", "+12015550187")).message);
    expect(inboundParties(parsed)).toEqual({ calledNumber: "+12125550100", callerNumber: "+12015550187", callerName: undefined });
    expect(parsed.call?.id).toBe("vapi-in-1");
  });

  test("a status-update with nulls parses, its ended reason kept", () => {
    const parsed = statusUpdate.parse(envelope.parse(statusUpdateWithNulls("vapi-1", "c1", "ended", "vonage-completed")).message);
    expect(parsed).toMatchObject({ status: "ended", endedReason: "vonage-completed", call: { id: "vapi-1" } });
  });

  test("a status-update whose endedReason is null has none", () => {
    const parsed = statusUpdate.parse(envelope.parse(statusUpdateWithNulls("vapi-1", "c1", "in-progress", null)).message);
    expect(parsed.endedReason).toBeUndefined();
  });
});

describe("report layouts", () => {
  test("current layout: artifact.messages with their timing, recordings from artifact.recording", () => {
    const report = reportOf(endOfCallReportWithNulls("vapi-1", "c1", AGREED));
    expect(report.messages).toEqual(SPOKEN_LINES);
    expect(report).toMatchObject({
      endedReason: "customer-ended-call",
      recordingUrl: "https://storage.example/mono.wav",
      stereoRecordingUrl: "https://storage.example/stereo.wav",
      durationSeconds: 180,
      cost: 0.21,
    });
  });

  test("2024 layout: empty artifact.messages, the timed conversation at the top level", () => {
    const report = reportOf(endOfCallReportWithNulls("vapi-1", "c1", AGREED, { layout: "2024" }));
    expect(report.messages).toEqual(SPOKEN_LINES);
  });

  test("messages with only `time` are timed from the call's start", () => {
    const start = Date.parse(REPORT_START);
    const report = normaliseReport({
      startedAt: REPORT_START,
      artifact: { messages: [] },
      messages: [
        { role: "bot", message: "Hello", time: start + 1500 },
        { role: "user", message: "Hi", time: start + 4000 },
      ],
    });
    expect(report.messages).toEqual([
      { role: "assistant", text: "Hello", secondsFromStart: 1.5 },
      { role: "user", text: "Hi", secondsFromStart: 4 },
    ]);
  });

  test("a list holding only the system prompt gives way to the next source", () => {
    const report = normaliseReport({
      artifact: { messages: [{ role: "system", message: "You are Atlas", time: 0, secondsFromStart: 0 }], transcript: "AI: Hello\nUser: Hi" },
    });
    expect(report.messages).toEqual([
      { role: "assistant", text: "Hello" },
      { role: "user", text: "Hi" },
    ]);
  });

  test.each<[string, WithNulls<Vapi.Artifact> | null, Record<string, unknown>, { recordingUrl?: string; stereoRecordingUrl?: string }]>([
    ["artifact URLs", { recordingUrl: "https://r/mono", stereoRecordingUrl: "https://r/stereo", recording: null }, {}, { recordingUrl: "https://r/mono", stereoRecordingUrl: "https://r/stereo" }],
    ["artifact.recording", { recordingUrl: null, recording: { stereoUrl: "https://r/s", mono: { combinedUrl: "https://r/m" } } }, {}, { recordingUrl: "https://r/m", stereoRecordingUrl: "https://r/s" }],
    ["older top-level URLs", null, { recordingUrl: "https://r/top", stereoRecordingUrl: "https://r/top-s" }, { recordingUrl: "https://r/top", stereoRecordingUrl: "https://r/top-s" }],
    ["no recording at all", { recordingUrl: null, stereoRecordingUrl: null, recording: null }, {}, {}],
  ])("recordings: %s", (_label, artifact, topLevel, expected) => {
    const report = normaliseReport(vapiCallObject.parse({ ...vapiCall("vapi-1", "c1", { status: "ended", artifact }), ...topLevel }));
    expect({ recordingUrl: report.recordingUrl, stereoRecordingUrl: report.stereoRecordingUrl }).toEqual({
      recordingUrl: expected.recordingUrl,
      stereoRecordingUrl: expected.stereoRecordingUrl,
    });
  });

  test("GET /call's object with nulls and the 2024 layout keeps its timing", () => {
    const parsed = vapiCallObject.parse(
      withMessagesAtTopLevel(vapiCall("vapi-1", "c1", { status: "ended", startedAt: REPORT_START, endedReason: "call.in-progress.sip-completed-call", artifact: { messages: [], transcript: null, recordingUrl: null } })),
    );
    const report = normaliseReport(parsed);
    expect(parsed.status).toBe("ended");
    expect(report.messages).toEqual(SPOKEN_LINES);
    expect(report.endedReason).toBe("call.in-progress.sip-completed-call");
  });
});

function withMessagesAtTopLevel(call: WithNulls<Vapi.Call>) {
  return { ...call, messages: timedMessages(AGREED, Date.parse(REPORT_START)) };
}

describe("strings from outside are bounded", () => {
  test("an oversized ended reason is cut, oversized ids and URLs are dropped, never cut", () => {
    const body = endOfCallReportWithNulls("v".repeat(MAX_ID_CHARS + 1), "c1", AGREED, {
      artifact: {
        messages: timedMessages(AGREED, Date.parse(REPORT_START)),
        recordingUrl: `https://storage.example/${"a".repeat(MAX_URL_CHARS)}`,
        recording: { stereoUrl: `https://storage.example/${"s".repeat(100_000)}`, mono: { combinedUrl: "https://storage.example/ok.wav" } },
      },
    });
    (body.message as { endedReason: string }).endedReason = "x".repeat(50_000);
    const parsed = endOfCallReport.parse(envelope.parse(body).message);
    const report = normaliseReport(parsed);
    expect(report.endedReason).toBe("x".repeat(MAX_ENDED_REASON_CHARS));
    expect(parsed.call?.id).toBeUndefined();
    // The oversized mono URL is dropped, so the next source is used; the stereo one has none.
    expect(report.recordingUrl).toBe("https://storage.example/ok.wav");
    expect(report.stereoRecordingUrl).toBeUndefined();
  });

  test("an id or URL at the limit is kept whole", () => {
    const id = "v".repeat(MAX_ID_CHARS);
    const url = `https://r/${"a".repeat(MAX_URL_CHARS - 10)}`;
    const parsed = vapiCallObject.parse({ id, status: "ended", artifact: { recordingUrl: url } });
    expect(parsed.id).toBe(id);
    expect(normaliseReport(parsed).recordingUrl).toBe(url);
  });

  test("a caller's name is cut to its limit", () => {
    const body = assistantRequestWithNulls("vapi-in-1", "+12125550100", "+12015550187");
    body.message.customer = { number: "+12015550187", name: "N".repeat(10_000) };
    const parsed = assistantRequest.parse(envelope.parse(body).message);
    expect(inboundParties(parsed).callerName).toBe("N".repeat(MAX_CALLER_NAME_CHARS));
  });

  test("a tool call id too long to be Vapi's cannot be answered; one at the limit can", () => {
    expect(parseToolCall(toolCall("t".repeat(MAX_ID_CHARS + 1), "check_availability", {}))).toBeNull();
    expect(parseToolCall(toolCall("t".repeat(MAX_ID_CHARS), "check_availability", {}))).toEqual({
      toolCallId: "t".repeat(MAX_ID_CHARS),
      tool: "check_availability",
    });
  });

  test("oversized tool arguments, as a string or an object, are refused with a bounded error", () => {
    const huge = { slotIso: "2026-11-24T14:00:00-05:00", note: "n".repeat(MAX_TOOL_ARGUMENTS_CHARS) };
    const asString = parseToolCall(toolCall("t1", "book_meeting", huge));
    const asObject = parseToolCall({ id: "t2", type: "function", function: { name: "book_meeting", arguments: huge } });
    for (const parsed of [asString, asObject]) {
      expect(parsed).toMatchObject({ tool: "invalid", error: `book_meeting: arguments are longer than ${MAX_TOOL_ARGUMENTS_CHARS} characters` });
    }
  });

  test("boundText never splits a character", () => {
    expect(boundText("ab😀cd", 3)).toBe("ab");
    expect(boundText("ab😀cd", 4)).toBe("ab😀");
    expect(boundText("short", 10)).toBe("short");
  });
});

describe("customer.name within Vapi's 40 characters", () => {
  test.each([
    ["Dana Whitfield", "Dana Whitfield"],
    ["  Dana   Whitfield  ", "Dana Whitfield"],
    // 41 characters: the last word goes.
    ["Alexandra Catherine Montgomery-Whitfield", "Alexandra Catherine Montgomery-Whitfield"],
    ["Alexandra Catherine Montgomery-Whitfields", "Alexandra Catherine"],
    ["Dr. Maria José de la Cruz Fernández-Villanueva, MD", "Dr. Maria José de la Cruz"],
    ["Dana Whitfield, Operations Director at Brightline", "Dana Whitfield, Operations Director at"],
    ["Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft Jr", "Wolfeschlegelsteinhausenbergerdorffvoral"],
  ])("%j -> %j", (name, sent) => {
    const out = boundWords(name, MAX_CUSTOMER_NAME_CHARS);
    expect(out).toBe(sent);
    expect(out.length).toBeLessThanOrEqual(MAX_CUSTOMER_NAME_CHARS);
  });
});

describe("how a call ended", () => {
  test.each<Vapi.ServerMessageEndOfCallReportEndedReason>([
    "call.in-progress.twilio-completed-call",
    "call.in-progress.sip-completed-call",
    "vonage-completed",
    "customer-ended-call-before-warm-transfer",
    "customer-ended-call-during-transfer",
    "customer-ended-call-after-warm-transfer-attempt",
    "call.in-progress.error-transfer-failed",
    "call.in-progress.error-warm-transfer-max-duration",
    "call.in-progress.error-warm-transfer-assistant-cancelled",
    "call.in-progress.error-warm-transfer-silence-timeout",
    "call.in-progress.error-warm-transfer-microphone-timeout",
  ])("%s: the prospect was talking with us -> completed", (reason) => {
    expect(outcomeForEndedReason(reason)).toBe("completed");
  });

  test.each<[Vapi.ServerMessageEndOfCallReportEndedReason | "some-future-reason", string]>([
    ["customer-did-not-answer", "no_answer"],
    ["customer-busy", "busy"],
    ["voicemail", "voicemail"],
    ["twilio-failed-to-connect-call", "failed"],
    ["call.start.error-subscription-concurrency-limit-reached", "failed"],
    ["call.in-progress.error-vapifault-openai-voice-failed", "failed"],
    // Forwarded before anyone spoke (a missed inbound call) as often as after a conversation.
    ["call.forwarding.no-answer", "failed"],
    ["call.forwarding.operator-busy", "failed"],
    ["some-future-reason", "failed"],
  ])("%s -> %s (unchanged)", (reason, outcome) => {
    expect(outcomeForEndedReason(reason)).toBe(outcome);
  });
});

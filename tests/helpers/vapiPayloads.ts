/**
 * Every Vapi message the tests send. The `*WithNulls` builders are messages as real accounts send
 * them, typed by `@vapi-ai/server-sdk` (a wrong shape fails the typecheck) and carrying the nulls
 * real payloads carry for absent optional fields (fixtures/vapi/assistant-request.with-nulls.json).
 * The short builders below them carry only the fields a flow needs, so a flow test reads as its story.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import { NOW, type Line } from "./conversation";

/** An SDK shape where every optional field may also be null, at any depth. */
export type WithNulls<T> = T extends (infer E)[]
  ? WithNulls<E>[]
  : T extends object
    ? { [K in keyof T]: undefined extends T[K] ? WithNulls<Exclude<T[K], undefined>> | null | undefined : WithNulls<T[K]> }
    : T;

export type Body<M> = { message: WithNulls<M> };

/** Fields real payloads carry that the SDK's types do not list (server-side ids and timestamps). */
export function withUnknown<T extends object>(typed: T, unknown: Record<string, unknown>): T {
  return { ...typed, ...unknown } as T;
}

const ORG_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
const PHONE_NUMBER_ID = "5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

/** Vapi's call object with the nulls a real account sends; our call id in the overrides' metadata when known. */
export function vapiCall(id: string, callId: string | null, fields: Partial<WithNulls<Vapi.Call>> = {}): WithNulls<Vapi.Call> {
  return {
    id,
    orgId: ORG_ID,
    type: "outboundPhoneCall",
    status: "in-progress",
    assistantId: null,
    squadId: null,
    workflowId: null,
    phoneCallProvider: "twilio",
    phoneCallProviderId: "CA0123456789abcdef0123456789abcdef",
    phoneNumberId: PHONE_NUMBER_ID,
    customer: { number: "+12015550123", name: null, email: null },
    assistantOverrides: { metadata: callId === null ? null : { callId }, variableValues: { prospectName: "Dana Whitfield" } },
    createdAt: "2026-11-21T15:00:00.000Z",
    updatedAt: "2026-11-21T15:00:00.000Z",
    ...fields,
  };
}

/** The inbound call of fixtures/vapi/assistant-request.with-nulls.json, unknown fields included. */
export function assistantRequestWithNulls(vapiCallId: string, called: string, caller: string): Body<Vapi.ServerMessageAssistantRequest> {
  return {
    message: {
      type: "assistant-request",
      timestamp: 1772550000000,
      call: vapiCall(vapiCallId, null, {
        type: "inboundPhoneCall",
        status: "ringing",
        assistantOverrides: null,
        customer: { number: caller, name: null },
      }),
      phoneNumber: withUnknown<WithNulls<Vapi.ServerMessageAssistantRequestPhoneNumber.Twilio>>(
        {
          provider: "twilio",
          number: called,
          name: null,
          assistantId: null,
          squadId: null,
          server: null,
          twilioAccountSid: "AC0123456789abcdef0123456789abcdef",
        },
        {
          id: PHONE_NUMBER_ID,
          orgId: ORG_ID,
          credentialId: null,
          serverUrl: null,
          serverUrlSecret: null,
          createdAt: "2026-01-10T12:00:00.000Z",
          updatedAt: "2026-01-10T12:00:00.000Z",
        },
      ),
      customer: { number: caller, name: null },
      assistant: null,
      artifact: null,
    },
  };
}

/** The conversation as Vapi's timed messages: the system prompt first, then one line every 5 s from 2 s in. */
export function timedMessages(lines: Line[], startMs: number): WithNulls<Vapi.ArtifactMessagesItem>[] {
  return [
    { role: "system", message: "You are Atlas", time: startMs, secondsFromStart: 0 },
    ...lines.map(([who, text], i): WithNulls<Vapi.ArtifactMessagesItem> => {
      const secondsFromStart = 2 + i * 5;
      const time = startMs + secondsFromStart * 1000;
      return who === "AI"
        ? { role: "bot", message: text, time, endTime: time + 3000, secondsFromStart, source: null, duration: 3000 }
        : { role: "user", message: text, time, endTime: time + 2000, secondsFromStart, duration: 2000, metadata: null };
    }),
  ];
}

export const REPORT_START = "2026-11-21T15:01:00.000Z";
export const REPORT_END = "2026-11-21T15:04:00.000Z";

/**
 * An end-of-call report as the SDK types it, with nulls. `layout: "2024"` is the
 * older shape: `artifact.messages` empty, the timed conversation at the top level.
 */
export function endOfCallReportWithNulls(
  vapiCallId: string,
  callId: string,
  lines: Line[],
  opts: { layout?: "current" | "2024"; endedReason?: Vapi.ServerMessageEndOfCallReportEndedReason; artifact?: WithNulls<Vapi.Artifact> } = {},
): Body<Vapi.ServerMessageEndOfCallReport> {
  const messages = timedMessages(lines, Date.parse(REPORT_START));
  const transcript = lines.map(([who, text]) => `${who}: ${text}`).join("\n");
  const legacy = opts.layout === "2024";
  const message: WithNulls<Vapi.ServerMessageEndOfCallReport> = {
    type: "end-of-call-report",
    timestamp: Date.parse(REPORT_END) + 5000,
    endedReason: opts.endedReason ?? "customer-ended-call",
    startedAt: REPORT_START,
    endedAt: REPORT_END,
    cost: 0.21,
    costs: null,
    phoneNumber: null,
    customer: { number: "+12015550123", name: null },
    call: vapiCall(vapiCallId, callId, { status: "ended", endedReason: opts.endedReason ?? "customer-ended-call" }),
    artifact: opts.artifact ?? {
      messages: legacy ? [] : messages,
      messagesOpenAIFormatted: legacy ? [] : null,
      transcript,
      recordingUrl: null,
      stereoRecordingUrl: null,
      recording: { stereoUrl: "https://storage.example/stereo.wav", videoUrl: null, mono: { combinedUrl: "https://storage.example/mono.wav", assistantUrl: null, customerUrl: null } },
      transfers: null,
      structuredOutputs: null,
    },
    analysis: { summary: null, structuredData: null, successEvaluation: null },
  };
  // The 2024 layout's top-level conversation is not in today's SDK type.
  return { message: legacy ? withUnknown(message, { messages, transcript }) : message };
}

export function statusUpdateWithNulls(
  vapiCallId: string,
  callId: string,
  status: Vapi.ServerMessageStatusUpdateStatus,
  endedReason: Vapi.ServerMessageStatusUpdateEndedReason | null,
): Body<Vapi.ServerMessageStatusUpdate> {
  return {
    message: {
      type: "status-update",
      timestamp: Date.parse(REPORT_END),
      status,
      endedReason,
      destination: null,
      phoneNumber: null,
      customer: null,
      transcript: null,
      summary: null,
      inboundPhoneCallDebuggingArtifacts: null,
      call: vapiCall(vapiCallId, callId, { status, endedReason }),
    },
  };
}

/** One function tool call, arguments a JSON string as the SDK types them. */
export function toolCall(id: string, name: string, args: Record<string, unknown>): Vapi.ToolCall {
  return { id, type: "function", function: { name, arguments: JSON.stringify(args) } };
}

export function toolCallsWithNulls(vapiCallId: string, callId: string, calls: Vapi.ToolCall[]): Body<Vapi.ServerMessageToolCalls> {
  return {
    message: {
      type: "tool-calls",
      timestamp: Date.parse(REPORT_START),
      phoneNumber: null,
      customer: null,
      artifact: null,
      call: vapiCall(vapiCallId, callId),
      toolWithToolCallList: calls.map((c) => ({ type: "function" as const, toolCall: c, function: { name: c.function.name, description: null, parameters: null }, server: null, messages: null })),
      toolCallList: calls,
    },
  };
}

// Short messages: only the fields Atlas reads, for flow tests.

/** The agency's inbound number as Vapi reports it (E.164). */
export const AGENCY_NUMBER = "+12125550100";

export function endOfCallReport(vapiCallId: string, callId: string, lines: Line[], extra: Record<string, unknown> = {}) {
  return {
    message: {
      type: "end-of-call-report",
      endedReason: "customer-ended-call",
      startedAt: REPORT_START,
      endedAt: REPORT_END,
      cost: 0.21,
      call: { id: vapiCallId, assistantOverrides: { metadata: { callId } } },
      artifact: {
        messages: [
          { role: "system", message: "You are Atlas", time: 0, secondsFromStart: 0 },
          ...lines.map(([who, text], i) => ({ role: who === "AI" ? "bot" : "user", message: text, time: i, secondsFromStart: i * 5 })),
        ],
        recordingUrl: "https://storage.example/rec.wav",
      },
      analysis: { summary: "" },
      ...extra,
    },
  };
}

/** Vapi's call object as GET /call/{id} returns it once the call ended (same content as the report). */
export function endedVapiCall(vapiCallId: string, callId: string, lines: Line[], extra: Record<string, unknown> = {}) {
  const { type: _type, call: _call, analysis: _analysis, ...fields } = endOfCallReport(vapiCallId, callId, lines).message;
  return { type: "outboundPhoneCall", status: "ended", assistantOverrides: { metadata: { callId } }, ...fields, ...extra };
}

export function statusUpdate(vapiCallId: string, callId: string, status: string, endedReason?: string) {
  return {
    message: {
      type: "status-update",
      timestamp: Date.now(),
      status,
      endedReason,
      call: { id: vapiCallId, type: "outboundPhoneCall", assistantOverrides: { metadata: { callId } } },
    },
  };
}

/** A Vapi tool-calls message for one of our calls (build each call with `toolCall`). */
export function toolCallsMessage(vapiCallId: string, callId: string, toolCallList: unknown[]) {
  return {
    message: {
      type: "tool-calls",
      timestamp: NOW,
      call: { id: vapiCallId, type: "outboundPhoneCall", status: "in-progress", assistantOverrides: { metadata: { callId } } },
      toolCallList,
    },
  };
}

export interface ToolReply {
  results: { toolCallId: string; result?: string; error?: string }[];
}

/** ISO times a tool reply lists in brackets, in order. */
export function isosIn(text: string | undefined): string[] {
  return [...(text ?? "").matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
}

/** Vapi's id of the inbound call `assistantRequest` rings unless told otherwise. */
export const INBOUND_VAPI_CALL_ID = "f3a9c2d1-7b6e-4c5d-8e9f-0a1b2c3d4e5f";

/** An inbound call ringing on `called`, shaped like fixtures/vapi/assistant-request.inbound.json. */
export function assistantRequest(caller: { number?: string; name?: string }, called = AGENCY_NUMBER, vapiCallId = INBOUND_VAPI_CALL_ID) {
  return {
    message: {
      type: "assistant-request",
      timestamp: 1772550000000,
      call: { id: vapiCallId, type: "inboundPhoneCall", status: "ringing", phoneNumberId: "pn-1", customer: caller },
      phoneNumber: { id: "pn-1", number: called },
      customer: caller,
    },
  };
}

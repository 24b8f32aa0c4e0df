/**
 * The staff-callback world: an agency with an inbound number and callbacks on, a
 * caller who leaves a message on an inbound call, and the Vapi messages of the
 * staff calls that follow (metadata `callbackAttemptId`, as placeStaffCall sends it).
 */
import { expect, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { Line } from "./conversation";
import { controlUrlOf, type RecordedRequest } from "./fakeWorld";
import { assistantRequest, endOfCallReport, toolCall, type ToolReply } from "./vapiPayloads";
import { type Backend, postWebhook, rows, setupWorld, type WorldOptions } from "./world";

/** Monday 2026-11-23 10:00 New York: inside the agency's Mon-Fri 09:00-17:00. */
export const MONDAY_10AM = Date.parse("2026-11-23T15:00:00Z");
/** A Manhattan fixed line: the staff phone rings in New York. */
export const STAFF_PHONE = "+12125550142";
export const CALLER_PHONE = "+12015550187";
export const MESSAGE = "Our clinic's booking system is down; please call me back today about switching over.";

export const CALLER_LINES: Line[] = [
  ["AI", "Thanks for calling Brightline Growth. Who am I speaking with?"],
  ["User", "This is Sam Ortiz. Our clinic's booking system is down, can someone call me back today about switching over?"],
  ["AI", "I'll pass that on to the team right away."],
];

export async function callbackWorld(opts: WorldOptions & { settings?: Record<string, unknown> } = {}) {
  const w = await setupWorld({ now: MONDAY_10AM, ...opts, agency: { inboundPhoneNumber: "(212) 555-0100", ...opts.agency } });
  await w.t.mutation(internal.callbacks.configure, { agencyId: w.agencyId, enabled: true, staffPhone: STAFF_PHONE, ...opts.settings });
  return w;
}

/** Runs the scheduled functions due now (not the ones waiting for later). */
export async function runDue(t: Backend) {
  await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(0));
}

/** Moves the clock `ms` on and runs what fell due. */
export async function after(t: Backend, ms: number) {
  vi.advanceTimersByTime(ms);
  await runDue(t);
}

let inboundSerial = 0;

/** A caller rings the agency, leaves `messageForStaff`, hangs up; the analysis runs (and whatever it starts that is due now). */
export async function callerLeavesMessage(
  w: { t: Backend; world: { groqReplies: unknown[] } },
  reply: { messageForStaff?: string | null; urgent?: boolean; [k: string]: unknown } = { messageForStaff: MESSAGE },
  caller = { number: CALLER_PHONE, name: "Sam Ortiz" },
) {
  const vapiCallId = `inbound-${++inboundSerial}`;
  const res = await postWebhook(w.t, assistantRequest(caller, "+12125550100", vapiCallId));
  const callId = ((await res.json()) as { assistantOverrides: { metadata: { callId: Id<"calls"> } } }).assistantOverrides.metadata.callId;
  w.world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: null, ...reply }];
  expect((await postWebhook(w.t, endOfCallReport(vapiCallId, callId, CALLER_LINES))).status).toBe(200);
  await runDue(w.t);
  return { callId, vapiCallId };
}

/** The staff calls Vapi was asked to place (the callback assistant's), in order, with the Vapi id the fake gave each. */
export function staffCalls(world: { vapiCreates: RecordedRequest[] }) {
  return world.vapiCreates.flatMap((r, i) => {
    const body = r.body as {
      assistantId: string;
      customer: { number: string };
      phoneNumberId: string;
      assistantOverrides: { variableValues: Record<string, unknown>; metadata: { callbackAttemptId: string } };
    };
    // The fake numbers every created call, prospect and staff alike.
    return body.assistantId === "callback-assistant-1"
      ? [{ ...body, at: r.at, vapiCallId: `vapi-call-${i + 1}`, attemptId: body.assistantOverrides.metadata.callbackAttemptId }]
      : [];
  });
}

/** The staff call's Vapi call object as webhooks carry it. */
function staffCall(vapiCallId: string, attemptId: string, status = "in-progress") {
  return {
    id: vapiCallId,
    type: "outboundPhoneCall",
    status,
    assistantId: "callback-assistant-1",
    customer: { number: STAFF_PHONE, name: null },
    assistantOverrides: { metadata: { callbackAttemptId: attemptId }, variableValues: { message: MESSAGE } },
    monitor: { listenUrl: null, controlUrl: controlUrlOf(vapiCallId) },
  };
}

export async function staffToolCall(t: Backend, vapiCallId: string, attemptId: string, toolCallId: string, name = "connect_to_customer") {
  const res = await postWebhook(t, {
    message: { type: "tool-calls", timestamp: Date.now(), call: staffCall(vapiCallId, attemptId), toolCallList: [toolCall(toolCallId, name, {})] },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as ToolReply;
}

/** A status-update of the staff call. */
export async function staffStatus(t: Backend, vapiCallId: string, attemptId: string, status: string, endedReason?: string) {
  const res = await postWebhook(t, { message: { type: "status-update", timestamp: Date.now(), status, endedReason, call: staffCall(vapiCallId, attemptId, status) } });
  expect(res.status).toBe(200);
}

/** A transfer-update of the staff call: the transfer to the caller reached `status`. */
export async function staffTransferUpdate(t: Backend, vapiCallId: string, attemptId: string, status = "connected") {
  const destination = { type: "number", number: CALLER_PHONE };
  const res = await postWebhook(t, {
    message: { type: "transfer-update", destination, call: staffCall(vapiCallId, attemptId), artifact: { messages: [], transfers: [{ destination, status }] } },
  });
  expect(res.status).toBe(200);
}

export const STAFF_HEARD: Line[] = [
  ["AI", "Hi, this is Atlas for Brightline Growth. Sam Ortiz called: our clinic's booking system is down. Shall I connect you now?"],
  ["User", "Yes, put me through."],
];

/** The staff call's end-of-call report: `transfers` as Vapi's artifact.transfers, `declined` as its structured analysis. */
export async function staffReport(
  t: Backend,
  vapiCallId: string,
  attemptId: string,
  opts: { endedReason?: string; lines?: Line[]; transfers?: string[] | null; declined?: boolean; cost?: number } = {},
) {
  const lines = opts.lines ?? STAFF_HEARD;
  const res = await postWebhook(t, {
    message: {
      type: "end-of-call-report",
      endedReason: opts.endedReason ?? "assistant-forwarded-call",
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      endedAt: new Date(Date.now()).toISOString(),
      cost: opts.cost ?? 0.07,
      call: staffCall(vapiCallId, attemptId, "ended"),
      artifact: {
        messages: lines.map(([who, text], i) => ({ role: who === "AI" ? "bot" : "user", message: text, time: Date.now() - 60_000 + i * 5000, secondsFromStart: i * 5 })),
        transcript: lines.map(([who, text]) => `${who}: ${text}`).join("\n"),
        transfers: opts.transfers === null ? null : (opts.transfers ?? []).map((status) => ({ destination: { type: "number", number: CALLER_PHONE }, mode: "blind-transfer", status })),
      },
      analysis: { summary: null, structuredData: opts.declined === undefined ? null : { declined: opts.declined }, successEvaluation: null },
    },
  });
  expect(res.status).toBe(200);
  return await res.json();
}

export async function attempts(t: Backend) {
  return (await rows(t, "callbackAttempts")).sort((a, b) => a.attemptNumber - b.attemptNumber);
}

export async function theMessage(t: Backend) {
  const messages = await rows(t, "staffMessages");
  expect(messages).toHaveLength(1);
  return messages[0];
}

/** Fallback emails Resend delivered (to the agency). */
export function fallbackEmails(world: { deliveredEmails: { subject: string; to: string[]; text: string }[] }) {
  return world.deliveredEmails.filter((e) => /call .* back on/.test(e.subject));
}

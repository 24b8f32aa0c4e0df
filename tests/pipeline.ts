/** Builders shared by the flow tests: an agency, a prospect, a placed call and Vapi messages. */
import { expect, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id, TableNames } from "../convex/_generated/dataModel";
import type { NotificationEvent } from "../convex/model/notifications/events";
import { newBackend } from "./setup";
import { FakeWorld, stubTestEnv, TEST_ENV } from "./fakeWorld";

export type Backend = ReturnType<typeof newBackend>;

/** Saturday 2026-11-21 10:00 New York. */
export const NOW = Date.parse("2026-11-21T15:00:00Z");

export async function setupWorld(
  opts: {
    agency?: Partial<Parameters<Backend["mutation"]>[1]>;
    prospect?: Record<string, unknown>;
    now?: number;
    transactionLimits?: boolean;
  } = {},
) {
  vi.useFakeTimers();
  vi.setSystemTime(opts.now ?? NOW);
  stubTestEnv();
  const world = new FakeWorld().install();
  const t = newBackend({ transactionLimits: opts.transactionLimits });
  const agencyId = await t.mutation(internal.agencies.create, {
    name: "Brightline Growth",
    timeZone: "America/New_York",
    availability: ["Mon-Fri 09:00-17:00"],
    email: "team@brightline.example",
    ...(opts.agency as object),
  });
  const opportunityId = await t.mutation(internal.opportunities.create, {
    agencyId,
    name: "Dana Whitfield",
    phone: "+12015550123",
    email: "dana@clinic.example",
    ...(opts.prospect as object),
  });
  return { t, world, agencyId, opportunityId };
}

export async function runScheduled(t: Backend) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

/** startCall, then run the dial; returns our call id and Vapi's, the call and its prompt section. */
export async function placeCall(t: Backend, opportunityId: Id<"opportunities">) {
  const callId = await t.mutation(internal.calls.startCall, { opportunityId });
  await runScheduled(t);
  const call = await t.run((ctx) => ctx.db.get("calls", callId));
  expect(call?.vapiCallId).toBeDefined();
  return { callId, vapiCallId: call!.vapiCallId!, call: call!, prompt: await promptOf(t, callId) };
}

/** The prompt section the call's assistant got (its callOffers row). */
export async function promptOf(t: Backend, callId: Id<"calls">): Promise<string> {
  const row = await t.run((ctx) => ctx.db.query("callOffers").withIndex("by_call", (q) => q.eq("callId", callId)).unique());
  if (!row) throw new Error(`call ${callId} has no offer`);
  return row.promptContext;
}

export function postWebhook(t: Backend, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TEST_ENV.VAPI_WEBHOOK_SECRET}` }) {
  return t.fetch("/vapi/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export type Line = [who: "AI" | "User", text: string];

export function endOfCallReport(vapiCallId: string, callId: string, lines: Line[], extra: Record<string, unknown> = {}) {
  return {
    message: {
      type: "end-of-call-report",
      endedReason: "customer-ended-call",
      startedAt: "2026-11-21T15:01:00.000Z",
      endedAt: "2026-11-21T15:04:00.000Z",
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

export const AGREED: Line[] = [
  ["AI", "Hi Dana, this is Atlas from Brightline Growth. Could we set up a 30 minute intro?"],
  ["User", "Sure, what times do you have?"],
  ["AI", "I have Monday at 10 AM, Tuesday at 2 PM or Wednesday at 11 AM Eastern."],
  ["User", "Tuesday at 2 PM works for me."],
  ["AI", "Great, Tuesday November 24th at 2 PM Eastern. You'll get an invite."],
  ["User", "Perfect, thanks."],
];
/** Tuesday 2026-11-24 14:00 New York. */
export const AGREED_ISO = "2026-11-24T14:00:00-05:00";

/** Vapi's call object as GET /call/{id} returns it once the call ended (same content as the report). */
export function endedVapiCall(vapiCallId: string, callId: string, lines: Line[], extra: Record<string, unknown> = {}) {
  const { type: _type, call: _call, analysis: _analysis, ...fields } = endOfCallReport(vapiCallId, callId, lines).message;
  return { type: "outboundPhoneCall", status: "ended", assistantOverrides: { metadata: { callId } }, ...fields, ...extra };
}

export function statusUpdate(vapiCallId: string, callId: string, status: string, endedReason?: string) {
  return {
    message: { type: "status-update", status, endedReason, call: { id: vapiCallId, assistantOverrides: { metadata: { callId } } } },
  };
}

/** A Vapi tool-calls message for one of our calls. */
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

/** The current OpenAI-style tool call, arguments as a JSON string (as Vapi usually sends them). */
export function fnCall(id: string, name: string, args: Record<string, unknown>) {
  return { id, type: "function", function: { name, arguments: JSON.stringify(args) } };
}

export interface ToolReply {
  results: { toolCallId: string; result?: string; error?: string }[];
}

/** ISO times a tool reply lists in brackets, in order. */
export function isosIn(text: string | undefined): string[] {
  return [...(text ?? "").matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
}

/** The reply Groq gives for AGREED when the model gets it right. */
export const BOOKED_REPLY = {
  meetingBooked: true,
  slotIso: AGREED_ISO,
  confidence: 0.93,
  reasoning: "Prospect accepted Tuesday at 2 PM.",
  evidence: "Tuesday at 2 PM works for me",
};

/** Another prospect of the same agency (for races and conflicts). */
export async function addProspect(t: Backend, agencyId: Id<"agencies">, name: string, phone: string) {
  return await t.mutation(internal.opportunities.create, { agencyId, name, phone });
}

export async function rows<T extends TableNames>(t: Backend, table: T) {
  return await t.run((ctx) => ctx.db.query(table).collect());
}

export async function scheduledFunctions(t: Backend) {
  return await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
}

/** Every table a webhook or a call could touch, for "nothing changed" checks. */
export async function snapshot(t: Backend) {
  return {
    agencies: await rows(t, "agencies"),
    opportunities: await rows(t, "opportunities"),
    calls: await rows(t, "calls"),
    callMessages: await rows(t, "callMessages"),
    meetings: await rows(t, "meetings"),
    tasks: await rows(t, "tasks"),
    scheduled: await scheduledFunctions(t),
  };
}

export async function getCall(t: Backend, callId: Id<"calls">) {
  const call = await t.run((ctx) => ctx.db.get("calls", callId));
  if (!call) throw new Error(`call ${callId} vanished`);
  return call;
}

/** A Slack channel that hears `event` for the agency, in realtime (the fake world accepts its token). */
export async function slackOn(t: Backend, agencyId: Id<"agencies">, event: NotificationEvent) {
  const channel = await t.action(internal.notifications.saveDestination, {
    agencyId,
    kind: "slack",
    target: "C0123",
    slackBotToken: "xoxb-test-token-1234",
  });
  await t.mutation(internal.notifications.setRule, { agencyId, event, destinationId: channel, mode: "realtime" });
  return channel;
}

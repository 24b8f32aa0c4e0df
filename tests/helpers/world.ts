/**
 * The one seeded world of the flow tests: an agency, its prospect Dana, the fake outside world and the clock,
 * then the steps and readers flows share (place a call, post a webhook, read rows).
 */
import { expect, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Doc, Id, TableNames } from "../../convex/_generated/dataModel";
import type { AnalysisDone } from "../../convex/model/analysis/record";
import type { NotificationEvent } from "../../convex/model/notifications/events";
import { newBackend, type Backend } from "./backend";
import { BOOKED_REPLY, type Line, NOW } from "./conversation";
import { FakeWorld, stubTestEnv, TEST_ENV } from "./fakeWorld";
import { endOfCallReport, statusUpdate, toolCallsMessage, type ToolReply } from "./vapiPayloads";

export type { Backend };

/** The seeded prospect's phone number. */
export const DANA_PHONE = "+12015550123";

export interface WorldOptions {
  agency?: Partial<Parameters<Backend["mutation"]>[1]>;
  prospect?: Record<string, unknown>;
  now?: number;
  transactionLimits?: boolean;
  /** Environment variables to set otherwise than TEST_ENV ("" unsets one). */
  env?: Parameters<typeof stubTestEnv>[0];
}

/**
 * The world every flow starts from: the clock stopped at `now`, TEST_ENV set, the fake outside world
 * installed, the agency Brightline Growth (New York, Mon-Fri 09:00-17:00) and its prospect Dana.
 */
export async function setupWorld(opts: WorldOptions = {}) {
  vi.useFakeTimers();
  vi.setSystemTime(opts.now ?? NOW);
  stubTestEnv(opts.env);
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
    phone: DANA_PHONE,
    email: "dana@clinic.example",
    ...(opts.prospect as object),
  });
  return { t, world, agencyId, opportunityId };
}

/** The world of the email flows: Monday 9 March 2026 10:00 New York (summer time since 8 March), Dana in Los Angeles. */
export const MARCH_EMAIL_WORLD = {
  now: Date.parse("2026-03-09T14:00:00Z"),
  agency: { email: "team@brightline.test" },
  prospect: { email: "dana@example.com", timeZone: "America/Los_Angeles" },
} satisfies WorldOptions;

/** A placed call of the seeded world, Groq ready to book the time Dana agrees to. */
export async function placedCall(opts: WorldOptions = {}) {
  const w = await setupWorld(opts);
  const placed = await placeCall(w.t, w.opportunityId);
  w.world.groqReplies = [BOOKED_REPLY];
  return { ...w, ...placed };
}

/** Vapi asks our tools during the call (build each call with `toolCall`); returns our reply. */
export async function askTools(t: Backend, vapiCallId: string, callId: string, toolCalls: unknown[]): Promise<ToolReply> {
  const res = await postWebhook(t, toolCallsMessage(vapiCallId, callId, toolCalls));
  expect(res.status).toBe(200);
  return (await res.json()) as ToolReply;
}

/** Vapi reports the placed call ended with `lines`; everything it schedules (the analysis, emails) runs. */
export async function reportEnded(t: Backend, vapiCallId: string, callId: Id<"calls">, lines: Line[]) {
  const res = await postWebhook(t, endOfCallReport(vapiCallId, callId, lines));
  expect(res.status).toBe(200);
  await runScheduled(t);
}

/** A call of `opportunityId` placed, then reported with `lines` while Groq answers `replies`. */
export async function reportedCall(w: { t: Backend; world: FakeWorld }, opportunityId: Id<"opportunities">, lines: Line[], replies: FakeWorld["groqReplies"]) {
  const { callId, vapiCallId } = await placeCall(w.t, opportunityId);
  w.world.groqReplies = replies;
  await reportEnded(w.t, vapiCallId, callId, lines);
  return { callId, vapiCallId };
}

/** The seeded world's call to Dana reported with `lines` while Groq answers `replies`; returns the world, the call and what came of it. */
export async function analysedCall(lines: Line[], replies: FakeWorld["groqReplies"], opts: WorldOptions = {}) {
  const w = await setupWorld(opts);
  const { callId, vapiCallId } = await reportedCall(w, w.opportunityId, lines, replies);
  return { ...w, callId, vapiCallId, ...(await outcomeOf(w.t, callId, w.opportunityId)) };
}

/** What a call left behind: the call, its prospect, every meeting and task. */
export async function outcomeOf(t: Backend, callId: Id<"calls">, opportunityId: Id<"opportunities">) {
  return {
    call: await getCall(t, callId),
    opportunity: (await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))!,
    meetings: await rows(t, "meetings"),
    tasks: await rows(t, "tasks"),
  };
}

/** The call goes unanswered: Vapi sends both the status-update and the report. */
export async function noAnswer(t: Backend, vapiCallId: string, callId: Id<"calls">, endedReason = "customer-did-not-answer") {
  await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", endedReason));
  await postWebhook(t, endOfCallReport(vapiCallId, callId, [], { endedReason }));
}

/** Runs every scheduled function (and what they schedule) to the end; `maxIterations` for long fan-outs. */
export async function runScheduled(t: Backend, maxIterations?: number) {
  await t.finishAllScheduledFunctions(vi.runAllTimers, maxIterations);
}

/** startCall, then run the dial; returns our call id and Vapi's, the call and its prompt section. */
/** A meeting booked at `iso` through finalizeBooking, from an ended call that offered it. */
export async function bookAt(t: Backend, agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, iso: string) {
  const callId = await t.run((ctx) =>
    ctx.db.insert("calls", {
      agencyId,
      opportunityId,
      direction: "outbound",
      status: "ended",
      attempt: 1,
      dialAt: Date.now(),
      offeredSlotsISO: [iso],
      updatedAt: Date.now(),
    }),
  );
  const result = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: iso });
  expect(result.status).toBe("booked");
  return result.meetingId!;
}

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

/** Another prospect of the same agency (for races and conflicts); `fields` adds email, zone and the rest. */
export async function addProspect(t: Backend, agencyId: Id<"agencies">, name: string, phone: string, fields: Record<string, unknown> = {}) {
  return await t.mutation(internal.opportunities.create, { agencyId, name, phone, ...fields });
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

/** The prospect's calls, first attempt first. */
export async function callsOf(t: Backend, opportunityId: Id<"opportunities">) {
  return await t.run((ctx) =>
    ctx.db
      .query("calls")
      .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
      .collect(),
  );
}

export async function getCall(t: Backend, callId: Id<"calls">) {
  const call = await t.run((ctx) => ctx.db.get("calls", callId));
  if (!call) throw new Error(`call ${callId} vanished`);
  return call;
}

/** The call's analysis once it came to a decision; any other state fails the test. */
export function doneAnalysis(call: Doc<"calls">): AnalysisDone {
  const analysis = call.bookingAnalysis;
  if (!analysis || !("model" in analysis)) throw new Error(`call ${call._id} has no finished analysis`);
  return analysis;
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

/** A call as the pipeline leaves it once ended, for tests that start from a stored call (outbox, sweep). */
export function endedCallFields(agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, offeredSlotsISO: string[] = []) {
  return { agencyId, opportunityId, direction: "outbound" as const, status: "ended" as const, attempt: 1, dialAt: NOW, offeredSlotsISO, updatedAt: NOW };
}

/** A busy block of the agency's connected calendar from `startIso` to `endIso`, stored as the calendar sync stores it. */
export async function calendarBusyBlock(t: Backend, agencyId: Id<"agencies">, startIso: string, endIso: string) {
  return await t.run((ctx) => ctx.db.insert("calendarBusy", { agencyId, start: Date.parse(startIso), end: Date.parse(endIso), source: "google" }));
}

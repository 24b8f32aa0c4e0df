/**
 * npm run demo: one call from startCall to the invite, offline, on the embedded
 * Convex backend (convex-test). Vapi and Resend are faked at fetch; the model
 * reply is scripted unless GROQ_API_KEY is set, then the transcript goes to Groq.
 */
import { DateTime } from "luxon";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { slotLabel } from "../convex/model/scheduling/availability";
import { parseAnalysisReply } from "../convex/model/analysis/reply";
import { FakeWorld, TEST_ENV } from "../tests/helpers/fakeWorld";
import { embeddedBackend } from "./backend";
import { drainDue, drainScheduled, installClock, type Backend } from "./clock";

const realGroqKey = process.env.GROQ_API_KEY;
const realFetch = globalThis.fetch;
Object.assign(process.env, TEST_ENV, realGroqKey ? { GROQ_API_KEY: realGroqKey } : {});

// Structured logs are for production; the demo prints its own story unless DEMO_VERBOSE=1.
const print = console.log.bind(console);
if (!process.env.DEMO_VERBOSE) console.log = (...a: unknown[]) => (String(a[0]).startsWith('{"event"') ? undefined : print(...a));
const step = (n: number, title: string) => print(`\n== ${n}. ${title}`);

const AGENCY_ZONE = "America/New_York";
const PROSPECT_ZONE = "America/Chicago";

async function main() {
  const clock = installClock(Date.now());
  const world = new FakeWorld();
  globalThis.fetch = (input, init) =>
    realGroqKey && String(input instanceof Request ? input.url : input).startsWith("https://api.groq.com")
      ? realFetch(input, init)
      : world.fetch(input, init);
  const t = embeddedBackend();

  step(1, "Seed an agency and a prospect");
  const agencyId = await t.mutation(internal.agencies.create, {
    name: "Brightline Growth",
    timeZone: AGENCY_ZONE,
    availability: ["Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00"],
    email: "team@brightline.example",
    inboundPhoneNumber: "(212) 555-0100",
  });
  const opportunityId = await t.mutation(internal.opportunities.create, {
    agencyId,
    name: "Dana Whitfield",
    phone: "(201) 555-0123",
    email: "dana@clinic.example",
    timeZone: PROSPECT_ZONE,
  });
  print(`agency ${agencyId} (${AGENCY_ZONE}), prospect ${opportunityId} (${PROSPECT_ZONE})`);
  const { slots } = await t.query(internal.availability.getAvailableSlots, { agencyId, opportunityId });
  print(`${slots.length} free slots in the next 7 days, first: ${slots[0]?.label}`);

  step(2, "startCall: pick slots, write the prompt, schedule the dial");
  const callId = await t.mutation(internal.calls.startCall, { opportunityId });
  const prepared = (await t.run((ctx) => ctx.db.get("calls", callId)))!;
  const dialLocal = DateTime.fromMillis(prepared.dialAt, { zone: PROSPECT_ZONE }).toFormat("ccc h:mm a ZZZZ");
  print(`call ${callId}: dial ${prepared.dialAt > Date.now() ? `deferred to ${dialLocal} (calling hours)` : "now"}`);

  step(3, "startPhoneCall: create the call at (fake) Vapi");
  await drainScheduled(t, clock);
  const dialed = (await t.run((ctx) => ctx.db.get("calls", callId)))!;
  const create = world.to("api.vapi.ai/call")[0];
  print(`POST ${create.url} -> Vapi call ${dialed.vapiCallId}`);
  print("offered:", dialed.offeredSlotsISO.map((iso) => slotLabel(Date.parse(iso), PROSPECT_ZONE, undefined)).join(" | "));
  const offer = await t.run((ctx) => ctx.db.query("callOffers").withIndex("by_call", (q) => q.eq("callId", callId)).unique());
  print((offer?.promptContext ?? "").split("\n").slice(0, 3).join("\n"));

  step(4, "Vapi posts status updates and the end-of-call report to /vapi/webhook");
  const chosen = Date.parse(dialed.offeredSlotsISO[1] ?? dialed.offeredSlotsISO[0]);
  const spoken = DateTime.fromMillis(chosen, { zone: PROSPECT_ZONE });
  const said = `${spoken.toFormat("cccc")} at ${spoken.toFormat("h:mm a")} works for me`;
  const lines: [string, string][] = [
    ["bot", "Hi Dana, this is Atlas calling from Brightline Growth. Do you have a minute?"],
    ["user", "Sure, what's this about?"],
    ["bot", `We help clinics fill their calendars. Could we set up a 30 minute intro? I have ${dialed.offeredSlotsISO.map((iso) => slotLabel(Date.parse(iso), PROSPECT_ZONE)).join(", or ")}.`],
    ["user", `${said}.`],
    ["bot", `Great, ${spoken.toFormat("cccc, LLLL d 'at' h:mm a ZZZZ")}. The team will confirm and send an invite.`],
    ["user", "Perfect, thanks."],
  ];
  const headers = { "content-type": "application/json", authorization: `Bearer ${TEST_ENV.VAPI_WEBHOOK_SECRET}` };
  const call = { id: dialed.vapiCallId, assistantOverrides: { metadata: { callId } } };
  const post = (message: unknown) => t.fetch("/vapi/webhook", { method: "POST", headers, body: JSON.stringify({ message }) });
  print("status-update in-progress ->", (await post({ type: "status-update", status: "in-progress", call })).status);
  const started = Date.now();
  const report = await post({
    type: "end-of-call-report",
    endedReason: "customer-ended-call",
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + 95_000).toISOString(),
    cost: 0.21,
    call,
    artifact: {
      messages: lines.map(([role, message], i) => ({ role, message, time: started + i * 8000, secondsFromStart: i * 8 })),
      recordingUrl: "https://storage.example/recordings/demo.wav",
    },
    analysis: { summary: "" },
  });
  print("end-of-call-report ->", report.status, await report.text());

  step(5, `Analyse the transcript (${realGroqKey ? "real Groq" : "scripted model reply"}) and book`);
  world.groqReplies = [
    { meetingBooked: true, slotIso: dialed.offeredSlotsISO[1] ?? dialed.offeredSlotsISO[0], confidence: 0.92, evidence: said, reasoning: "Prospect accepted an offered time." },
  ];
  await drainScheduled(t, clock);
  const analysed = (await t.run((ctx) => ctx.db.get("calls", callId)))!;
  const analysis = analysed.bookingAnalysis;
  if (analysis && "error" in analysis) print(`analysis failed: ${analysis.error}`);
  else if (analysis) {
    const confidence = "replyJson" in analysis && analysis.replyJson ? parseAnalysisReply(analysis.replyJson).confidence : "n/a";
    print(`analysis: ${analysis.decision} (${analysis.reason}), confidence ${confidence}`);
  }
  const meetings = await t.run((ctx) => ctx.db.query("meetings").collect());
  for (const m of meetings) {
    print(`meeting ${m._id}: ${slotLabel(m.meetingTime, AGENCY_ZONE, PROSPECT_ZONE)}, ${m.durationMinutes} min, ${m.status}`);
  }
  const tasks = await t.run((ctx) => ctx.db.query("tasks").collect());
  for (const task of tasks) print(`task ${task.type}: ${task.reason}`);

  step(6, "Confirmation emails with the calendar invite (fake Resend)");
  const emails = world.to("api.resend.com/emails");
  for (const e of emails) {
    const body = e.body as { subject?: string; attachments?: { content: string }[] };
    print(`email: ${body.subject}`);
  }
  const invite = (emails[0]?.body as { attachments?: { content: string }[] } | undefined)?.attachments?.[0]?.content;
  if (invite) print(Buffer.from(invite, "base64").toString("utf8").trim());
  print(`\n${meetings.length === 1 ? "Booked exactly once." : `Expected one meeting, found ${meetings.length}.`}`);
  if (meetings.length !== 1) process.exitCode = 1;

  const connected = await staffCallbackScene(t, world, clock, agencyId);
  clock.uninstall();
  if (!connected) process.exitCode = 1;
}

const STAFF_PHONE = "+12125550142";
const CALLER = { number: "+12015550187", name: "Sam Ortiz" };

/** Scene 2: a caller leaves a message, the AI phones staff with it and connects them. True when connected. */
async function staffCallbackScene(t: Backend, world: FakeWorld, clock: ReturnType<typeof installClock>, agencyId: Id<"agencies">) {
  print("\n\n#### Scene 2: a caller's message, the staff call and the connection");
  // A weekday morning in New York, inside the agency's hours.
  let morning = DateTime.fromMillis(Date.now(), { zone: AGENCY_ZONE }).plus({ days: 1 }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
  while (morning.weekday > 5) morning = morning.plus({ days: 1 });
  clock.setSystemTime(morning.toMillis());

  step(7, "callbacks.configure: the staff phone, no retries");
  await t.mutation(internal.callbacks.configure, { agencyId, enabled: true, staffPhone: STAFF_PHONE });
  print(`callbacks on for ${morning.toFormat("cccc h:mm a ZZZZ")}, staff phone ${STAFF_PHONE}`);

  step(8, "A caller rings the agency's number and leaves a message");
  const headers = { "content-type": "application/json", authorization: `Bearer ${TEST_ENV.VAPI_WEBHOOK_SECRET}` };
  const post = async (message: unknown) => {
    const res = await t.fetch("/vapi/webhook", { method: "POST", headers, body: JSON.stringify({ message }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const ringing = await post({ type: "assistant-request", call: { id: "vapi-inbound-demo", type: "inboundPhoneCall", customer: CALLER }, phoneNumber: { number: "+12125550100" }, customer: CALLER });
  const callId = (ringing.body.assistantOverrides as { metadata: { callId: string } }).metadata.callId;
  const said = "This is Sam Ortiz from Ortiz Dental. Our booking system is down; can someone call me back today about switching over?";
  const started = Date.now();
  const lines: [string, string][] = [
    ["bot", "Thanks for calling Brightline Growth. Who am I speaking with?"],
    ["user", said],
    ["bot", "I'll pass that on to the team right away."],
  ];
  world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: null, messageForStaff: "Sam Ortiz of Ortiz Dental: their booking system is down; call back today about switching over.", urgent: true }];
  const report = await post({
    type: "end-of-call-report",
    endedReason: "customer-ended-call",
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + 40_000).toISOString(),
    call: { id: "vapi-inbound-demo", assistantOverrides: { metadata: { callId } } },
    artifact: { messages: lines.map(([role, message], i) => ({ role, message, time: started + i * 8000, secondsFromStart: i * 8 })) },
  });
  print(`inbound call ${callId}: end-of-call-report -> ${report.status}`);

  step(9, "The analysis takes the message; Atlas phones staff with the callback assistant");
  await drainDue(t, clock);
  const [message] = await t.query(internal.callbacks.list, { agencyId });
  if (!message) {
    print("no message for staff was taken");
    return false;
  }
  print(`message (${message.urgent ? "urgent" : "not urgent"}): ${message.text}`);
  const create = world.vapiCreates.at(-1)!.body as { assistantId: string; customer: { number: string }; assistantOverrides: { variableValues: unknown; metadata: { callbackAttemptId: string } } };
  print(`POST https://api.vapi.ai/call: assistant ${create.assistantId}, staff phone ${create.customer.number}`);
  print("variableValues:", JSON.stringify(create.assistantOverrides.variableValues));
  const attemptId = create.assistantOverrides.metadata.callbackAttemptId;
  const vapiCallId = `vapi-call-${world.vapiCreates.length}`;
  const staffCall = { id: vapiCallId, assistantOverrides: { metadata: { callbackAttemptId: attemptId } } };

  step(10, 'The staff member says "yes": connect_to_customer transfers the live call');
  clock.tick(45_000); // the staff member picks up and hears the message
  const tool = { id: "call_connect_demo", type: "function", function: { name: "connect_to_customer", arguments: "{}" } };
  const answer = await post({ type: "tool-calls", call: staffCall, toolCallList: [tool] });
  print("tool answer:", JSON.stringify(answer.body));
  const transfer = world.controlRequests.at(-1);
  if (transfer) print(`POST ${transfer.url}\n${JSON.stringify(transfer.body)}`);
  const replay = await post({ type: "tool-calls", call: staffCall, toolCallList: [tool] });
  print(`replayed tool call -> ${JSON.stringify(replay.body)}; transfers posted: ${world.controlRequests.length}`);

  step(11, "The staff call's report: the transfer connected");
  clock.tick(120_000);
  await post({
    type: "end-of-call-report",
    endedReason: "assistant-forwarded-call",
    cost: 0.07,
    call: staffCall,
    artifact: {
      messages: [{ role: "bot", message: "Sam Ortiz called for Brightline Growth. Shall I connect you?" }, { role: "user", message: "Yes, put me through." }],
      transfers: [{ destination: { type: "number", number: CALLER.number }, mode: "blind-transfer", status: "connected" }],
    },
  });
  const [listed] = await t.query(internal.callbacks.list, { agencyId });
  for (const a of listed.attempts) print(`staff call ${a.attemptNumber}: ${a.status}, cost $${a.cost}`);
  const funnel = await t.query(internal.callbacks.funnel, { agencyId, from: 0, to: Date.now() + 1 });
  print(`funnel: ${funnel.messagesTaken} message(s) taken, ${funnel.callbacksConnected} connected, median ${funnel.medianMinutesToConnection} min to connection`);
  const ok = listed.status === "connected" && world.controlRequests.length === 1;
  print(`\n${ok ? "Connected once." : `Expected one connection, message is ${listed.status}.`}`);
  return ok;
}

main().catch((e) => {
  print(e);
  process.exitCode = 1;
});

/**
 * npm run demo: one call from startCall to the invite, offline, on the embedded
 * Convex backend (convex-test). Vapi and Resend are faked at fetch; the model
 * reply is scripted unless GROQ_API_KEY is set, then the transcript goes to Groq.
 */
import { DateTime } from "luxon";
import { internal } from "../convex/_generated/api";
import { slotLabel } from "../convex/model/scheduling/availability";
import { parseAnalysisReply } from "../convex/model/analysis/reply";
import { FakeWorld, TEST_ENV } from "../tests/helpers/fakeWorld";
import { embeddedBackend } from "./backend";
import { drainScheduled, installClock } from "./clock";

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
  clock.uninstall();
  if (meetings.length !== 1) process.exitCode = 1;
}

main().catch((e) => {
  print(e);
  process.exitCode = 1;
});

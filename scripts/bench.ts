/**
 * npm run bench: prints what it measured, one `name: value` line each.
 *
 * - availability_*: the real getAvailableSlots handler on an index-faithful
 *   store (scripts/indexedStore.ts), an agency with no history vs one with
 *   100,000 past meetings; medians of interleaved runs.
 * - webhook_to_booked_ms, scheduled_functions_per_booking, prompt_tokens_overhead:
 *   the whole pipeline on the embedded backend with Vapi, Groq and Resend faked.
 * - tool_call_ms_p95: live tool webhooks on the embedded backend (bench-tools.ts).
 */
import { performance } from "node:perf_hooks";
import { internal } from "../convex/_generated/api";
import { getAvailableSlots } from "../convex/availability";
import { estimateTokens } from "../convex/model/prompt";
import { nextCallingMoment } from "../convex/model/callingHours";
import { zonesForNumber } from "../convex/model/prospectZone";
import { FakeWorld, TEST_ENV } from "../tests/fakeWorld";
import { embeddedBackend } from "./backend";
import { benchToolCalls } from "./bench-tools";
import { drainScheduled, installClock } from "./clock";
import { IndexedStore } from "./indexedStore";

const NOW = Date.parse("2026-11-21T15:00:00Z");
const DAY = 86_400_000;
const quiet = console.log;
const print = (name: string, value: number) => process.stdout.write(`${name}: ${value}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function round(x: number, digits = 3): number {
  return Number(x.toFixed(digits));
}

function agencyStore(historyMeetings: number) {
  const store = new IndexedStore();
  const agencyId = store.insert("agencies", {
    name: "Brightline Growth",
    timeZone: "America/New_York",
    availability: ["Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00"],
    slotIntervalMinutes: 15,
    meetingDurationMinutes: 30,
    bufferMinutes: 10,
    minNoticeMinutes: 120,
    horizonDays: 7,
  });
  const meeting = (meetingTime: number) =>
    store.insert("meetings", { agencyId, opportunityId: "o", meetingTime, durationMinutes: 30, source: "ai_call", status: "booked", sequence: 0 });
  // The same 20 upcoming meetings in both stores; only the past differs.
  for (let i = 0; i < 20; i++) meeting(NOW + DAY + i * 7 * 3_600_000);
  for (let i = 0; i < historyMeetings; i++) meeting(NOW - 2 * DAY - i * 3_600_000);
  return { store: store.build(), agencyId };
}

async function benchAvailability() {
  const handler = (getAvailableSlots as unknown as { _handler: (ctx: unknown, args: unknown) => Promise<{ slots: unknown[] }> })._handler;
  const empty = agencyStore(0);
  const history = agencyStore(100_000);
  const realNow = Date.now;
  Date.now = () => NOW;
  const time = async (s: ReturnType<typeof agencyStore>) => {
    const start = performance.now();
    await handler({ db: s.store.db }, { agencyId: s.agencyId });
    return performance.now() - start;
  };
  for (let i = 0; i < 30; i++) await Promise.all([time(empty), time(history)]);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 200; i++) {
    a.push(await time(empty));
    b.push(await time(history));
  }
  Date.now = realNow;
  const emptyMs = median(a);
  const historyMs = median(b);
  print("availability_ms_empty", round(emptyMs));
  print("availability_ms_100k_history", round(historyMs));
  print("availability_history_ratio", round(historyMs / emptyMs, 2));
}

const LINES: [string, string][] = [
  ["bot", "Hi Dana, this is Atlas calling from Brightline Growth. Do you have a minute?"],
  ["user", "Sure, what's this about?"],
  ["bot", "We help clinics fill their calendars. Could we set up a 30 minute intro? I have Monday at 9, Tuesday at noon or Wednesday at 9 Eastern."],
  ["user", "Tuesday at noon works for me."],
  ["bot", "Great, Tuesday November 24th at 12 PM Eastern. The team will send an invite."],
  ["user", "Perfect, thanks."],
];

/** One call from startCall to the confirmation; returns what it measured. */
async function pipelineRun() {
  const clock = installClock(NOW);
  const world = new FakeWorld();
  globalThis.fetch = world.fetch;
  const t = embeddedBackend();
  const agencyId = await t.mutation(internal.agencies.create, {
    name: "Brightline Growth",
    timeZone: "America/New_York",
    availability: ["Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00"],
    email: "team@brightline.example",
  });
  const opportunityId = await t.mutation(internal.opportunities.create, {
    agencyId,
    name: "Dana Whitfield",
    phone: "+12015550123",
    email: "dana@clinic.example",
  });
  const callId = await t.mutation(internal.calls.startCall, { opportunityId });
  await drainScheduled(t, clock);
  const call = (await t.run((ctx) => ctx.db.get("calls", callId)))!;
  const slotIso = call.offeredSlotsISO[1];
  world.groqReplies = [{ meetingBooked: true, slotIso, confidence: 0.92, evidence: "Tuesday at noon works for me" }];

  const start = performance.now();
  await t.fetch("/vapi/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ENV.VAPI_WEBHOOK_SECRET}` },
    body: JSON.stringify({
      message: {
        type: "end-of-call-report",
        endedReason: "customer-ended-call",
        call: { id: call.vapiCallId, assistantOverrides: { metadata: { callId } } },
        artifact: { messages: LINES.map(([role, message], i) => ({ role, message, secondsFromStart: i * 8 })) },
        analysis: {},
      },
    }),
  });
  let bookedMs = NaN;
  for (let step = 0; step < 50; step++) {
    await t.finishInProgressScheduledFunctions();
    const booked = await t.run((ctx) => ctx.db.query("meetings").withIndex("by_call", (q) => q.eq("callId", callId)).first());
    if (booked) {
      bookedMs = performance.now() - start;
      break;
    }
    if (clock.countTimers() === 0) break;
    clock.next();
  }
  await drainScheduled(t, clock);
  const scheduled = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  const groqBody = world.to("api.groq.com")[0]?.body as { messages: { content: string }[] };
  const promptText = groqBody.messages.map((m) => m.content).join("\n");
  const transcriptText = LINES.map(([role, text]) => `${role === "user" ? "User" : "AI"}: ${text}`).join("\n");
  clock.uninstall();
  return {
    bookedMs,
    scheduled: scheduled.length,
    overhead: estimateTokens(promptText) - estimateTokens(transcriptText),
  };
}

async function benchPipeline() {
  Object.assign(process.env, TEST_ENV);
  const runs = [];
  for (let i = 0; i < 7; i++) runs.push(await pipelineRun());
  print("webhook_to_booked_ms", round(median(runs.map((r) => r.bookedMs)), 1));
  print("scheduled_functions_per_booking", Math.max(...runs.map((r) => r.scheduled)));
  print("prompt_tokens_overhead", Math.max(...runs.map((r) => r.overhead)));
}

/** Scheduling one dial for a US toll-free number (11 zones), from every quarter hour of a DST week. */
function benchCallingHours() {
  const zones = zonesForNumber("+18005550123");
  const starts = Array.from({ length: 7 * 96 }, (_, i) => Date.parse("2026-10-29T00:00:00Z") + i * 900_000);
  const times: number[] = [];
  for (const pass of [0, 1]) {
    for (const at of starts) {
      const start = performance.now();
      nextCallingMoment(at, zones);
      if (pass === 1) times.push(performance.now() - start);
    }
  }
  print("calling_moment_ms_p95_11_zones", round(times.sort((a, b) => a - b)[Math.floor(times.length * 0.95)]));
  const lookups: number[] = [];
  for (const phone of ["+12015550123", "+18005550123", "+61412345678", "+442079460958", "+74951234567"]) {
    const start = performance.now();
    for (let i = 0; i < 200; i++) zonesForNumber(phone);
    lookups.push((performance.now() - start) / 200);
  }
  print("zones_for_number_ms", round(median(lookups)));
}

async function main() {
  // Structured logs would drown the numbers.
  console.log = () => undefined;
  await benchAvailability();
  benchCallingHours();
  await benchPipeline();
  print("tool_call_ms_p95", await benchToolCalls());
  console.log = quiet;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

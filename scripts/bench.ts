/**
 * npm run bench: prints what it measured, one `name: value` line each.
 *
 * - availability_*: the real getAvailableSlots handler on an index-faithful
 *   store (scripts/indexedStore.ts), an agency with no history vs one with
 *   100,000 past meetings, both with the same 500 calendar busy blocks in the
 *   horizon (scripts/busyCalendar.ts); medians of interleaved runs.
 * - funnel_history_ratio: the real calls.funnel handler on the same store, over
 *   the whole history of an agency with 100,000 calls vs one with 1,000 (one
 *   call every 10 minutes, with their funnel counters); medians of interleaved runs.
 * - webhook_to_booked_ms, scheduled_functions_per_booking, prompt_tokens_overhead:
 *   the whole pipeline on the embedded backend with Vapi, Groq and Resend faked.
 * - tool_call_ms_p95: live tool webhooks on the embedded backend (bench-tools.ts).
 * - lead_to_dial_ms: POST /api/leads with callNow to the create request to Vapi, on the
 *   embedded backend during calling hours with a free line; median (bench-leads.ts).
 * - dense_grid_*: the pure slot engine on the densest agency allowed (open all week,
 *   5-minute grid, 60-day horizon: ~17,000 free slots): the free grid, the offer
 *   and the analysis prompt's grid summary; medians of 5 runs.
 * - digest_*: the real digest functions (sendDigests, digestBatch, outbox.send) for
 *   1,000 agencies with 100 pending items and one with 20,000, all due in one hour,
 *   on a transactional index-faithful store (scripts/txStore.ts) that charges every
 *   transaction against Convex's limits; Resend faked.
 * - reconcile_*: one reconciliation page (calendarSync.planPage + applyPage) for an
 *   agency with 100,000 meetings vs 1,000, on the same transactional store (benchReconcile.ts).
 * - dial_throughput_ratio, max_concurrent_dials: a 1,000-call campaign through the real
 *   pacing gate on a simulated clock (benchPacing.ts): ideal time (1000 x 3 min / 8 lines)
 *   over the time achieved, and the most calls live at Vapi at once.
 * - campaign_10k_*: a 10,000-prospect campaign created, started and fanned out by the real
 *   campaign and gate functions on the transactional store (txStore.ts): its largest transaction.
 */
import { performance } from "node:perf_hooks";
import { DateTime } from "luxon";
import { internal } from "../convex/_generated/api";
import * as notificationsModule from "../convex/notifications";
import * as outboxModule from "../convex/outbox";
import { nextDigestAt } from "../convex/model/notifications/events";
import { getAvailableSlots } from "../convex/availability";
import { summariseGrid } from "../convex/model/analysis/messages";
import { freeSlots, parseWindows, recommendSlots } from "../convex/model/scheduling/availability";
import { funnel } from "../convex/calls";
import { estimateTokens } from "../convex/model/calls/prompt";
import { nextCallingMoment } from "../convex/model/scheduling/callingHours";
import { zonesForNumber } from "../convex/model/scheduling/prospectZone";
import { FakeWorld, TEST_ENV } from "../tests/helpers/fakeWorld";
import { embeddedBackend } from "./backend";
import { benchToolCalls } from "./bench-tools";
import { benchLeadToDial } from "./bench-leads";
import { benchReconcile } from "./benchReconcile";
import { benchCampaignStart, benchPacing } from "./benchPacing";
import { drainScheduled, installClock } from "./clock";
import { blocksBetween, busyBlocks } from "./busyCalendar";
import { callHistory, funnelNodesFor } from "./funnelHistory";
import { IndexedStore } from "./indexedStore";
import { interleavedMedians, median } from "./interleave";
import { CONVEX_LIMITS, TxStore, type Usage } from "./txStore";

const NOW = Date.parse("2026-11-21T15:00:00Z");
const DAY = 86_400_000;
const quiet = console.log;
const print = (name: string, value: number) => process.stdout.write(`${name}: ${value}\n`);

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
  // The same 20 upcoming meetings and calendar busy blocks in both stores; only the past differs.
  for (let i = 0; i < 20; i++) meeting(NOW + DAY + i * 7 * 3_600_000);
  for (const block of busyBlocks(NOW)) store.insert("calendarBusy", { agencyId, ...block, source: "google" });
  for (let i = 0; i < historyMeetings; i++) meeting(NOW - 2 * DAY - i * 3_600_000);
  return { store: store.build(), agencyId };
}

async function benchAvailability() {
  const handler = (getAvailableSlots as unknown as { _handler: (ctx: unknown, args: unknown) => Promise<{ slots: unknown[]; total: number }> })._handler;
  const empty = agencyStore(0);
  const history = agencyStore(100_000);
  const realNow = Date.now;
  Date.now = () => NOW;
  const listing = (s: ReturnType<typeof agencyStore>) => handler({ db: s.store.db }, { agencyId: s.agencyId });
  const time = async (s: ReturnType<typeof agencyStore>) => {
    const start = performance.now();
    await listing(s);
    return performance.now() - start;
  };
  // The upcoming meetings and the calendar decide the listing, not the history: both list the same slots.
  const free = (await listing(empty)).total;
  if ((await listing(history)).total !== free) throw new Error("the agencies with and without history list different free slots");
  const [emptyMs, historyMs] = await interleavedMedians(time, empty, history, { warmups: 30, runs: 200 });
  Date.now = realNow;
  print("availability_busy_blocks", await blocksBetween(history.store, history.agencyId, NOW, NOW + 7 * DAY));
  print("availability_free_slots", free);
  print("availability_ms_empty", round(emptyMs));
  print("availability_ms_100k_history", round(historyMs));
  print("availability_history_ratio", round(historyMs / emptyMs, 2));
}

function funnelStore(calls: number) {
  const store = new IndexedStore();
  const agencyId = store.insert("agencies", { name: "Brightline Growth", timeZone: "America/New_York" });
  const history = callHistory(calls, NOW, 10 * 60_000);
  for (const c of history) {
    store.insert("calls", { agencyId, opportunityId: "o", status: "ended", attempt: 1, offeredSlotsISO: [], updatedAt: NOW, ...c });
  }
  for (const node of funnelNodesFor(agencyId, history)) store.insert("funnelNodes", node);
  const from = Math.min(...history.map((c) => c.dialAt)) - DAY;
  return { store: store.build(), agencyId, from, placed: history.filter((c) => c.vapiCallId && c.direction === "outbound").length };
}

async function benchFunnel() {
  const handler = (funnel as unknown as { _handler: (ctx: unknown, args: unknown) => Promise<{ placed: number }> })._handler;
  const small = funnelStore(1_000);
  const large = funnelStore(100_000);
  const time = async (s: ReturnType<typeof funnelStore>) => {
    const start = performance.now();
    const result = await handler({ db: s.store.db }, { agencyId: s.agencyId, from: s.from, to: NOW + DAY });
    const ms = performance.now() - start;
    if (result.placed !== s.placed) throw new Error(`funnel counted ${result.placed} placed calls, expected ${s.placed}`);
    return ms;
  };
  const [smallMs, largeMs] = await interleavedMedians(time, small, large, { warmups: 200, runs: 1000 });
  print("funnel_history_ratio", round(largeMs / smallMs, 2));
}

/** The call as the prospect hears it: `said` is the offered time they take, as a person says it ("Tuesday at 2:00 PM"). */
function linesFor(said: string): [string, string][] {
  return [
    ["bot", "Hi Dana, this is Atlas calling from Brightline Growth. Do you have a minute?"],
    ["user", "Sure, what's this about?"],
    ["bot", `We help clinics fill their calendars. Could we set up a 30 minute intro? I have a few times, for example ${said} Eastern.`],
    ["user", `${said} works for me.`],
    ["bot", `Great, ${said} Eastern. The team will send an invite.`],
    ["user", "Perfect, thanks."],
  ];
}

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
  // The second offered slot, agreed to in words that name it (the evidence rule checks the quote names the slot).
  const offered = call.offeredSlots![1];
  const said = DateTime.fromMillis(offered.start, { zone: "America/New_York" }).toFormat("cccc 'at' h:mm a");
  const LINES = linesFor(said);
  world.groqReplies = [{ meetingBooked: true, slotId: offered.id, confidence: 0.92, evidence: `${said} works for me` }];

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

function benchDenseGrid() {
  const rules = {
    timeZone: "America/New_York",
    windows: parseWindows(["Mon-Sun 00:00-24:00"]),
    slotIntervalMinutes: 5,
    meetingDurationMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 120,
    horizonDays: 60,
  };
  const timed = <T>(f: () => T): [T, number] => {
    const start = performance.now();
    const value = f();
    return [value, performance.now() - start];
  };
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const [free, freeMs] = timed(() => freeSlots(rules, NOW, []));
    const [, offerMs] = timed(() => recommendSlots(free, "Australia/Sydney"));
    const [, summaryMs] = timed(() => summariseGrid(free, rules.timeZone, rules.slotIntervalMinutes));
    runs.push({ slots: free.length, freeMs, offerMs, summaryMs });
  }
  print("dense_grid_free_slots", runs[0].slots);
  print("dense_grid_free_slots_ms", round(median(runs.map((r) => r.freeMs)), 1));
  print("dense_grid_recommend_ms", round(median(runs.map((r) => r.offerMs)), 1));
  print("dense_grid_summary_ms", round(median(runs.map((r) => r.summaryMs)), 1));
}

const DIGEST_ZONE = "America/New_York";
/** Mon 23 Nov 2026 08:07 EST: the cron's run in every agency's digest hour. */
const DIGEST_DUE = Date.parse("2026-11-23T13:07:00Z");

/** Seeds agencies (one email destination each) with `counts[i]` pending digest items. */
function seedDigests(store: TxStore, counts: number[]) {
  const agencies: { agencyId: string; items: number }[] = [];
  for (const [i, count] of counts.entries()) {
    const agencyId = store.insert("agencies", {
      name: `Agency ${i}`,
      timeZone: DIGEST_ZONE,
      availability: ["Mon-Fri 09:00-17:00"],
      slotIntervalMinutes: 30,
      meetingDurationMinutes: 30,
      bufferMinutes: 0,
      minNoticeMinutes: 60,
      horizonDays: 14,
    });
    const opportunityId = store.insert("opportunities", { agencyId, name: "Dana", phone: "+12015550123", status: "New" });
    const destinationId = store.insert("notificationDestinations", {
      agencyId,
      kind: "email",
      label: "owner",
      target: `owner${i}@agency.example`,
      configured: true,
    });
    store.insert("notificationSettings", {
      agencyId,
      digestHour: 8,
      digestTimeZone: DIGEST_ZONE,
      dedupeWindowMinutes: 1440,
      nextDigestAt: nextDigestAt(DIGEST_DUE - 3_600_000, DIGEST_ZONE, 8),
    });
    for (let n = 0; n < count; n++) {
      store.insert("notificationItems", {
        agencyId,
        opportunityId,
        event: n % 2 ? "positive_lead" : "booked",
        destinationId,
        text: `Prospect ${n} (Company ${n % 97}) booked Tue 10:00`,
        state: "digest_pending",
        createdAt: DIGEST_DUE - 86_400_000 + n,
      });
    }
    agencies.push({ agencyId, items: count });
  }
  return agencies;
}

async function benchDigest() {
  Object.assign(process.env, TEST_ENV);
  const world = new FakeWorld();
  globalThis.fetch = world.fetch;
  const store = new TxStore({ notifications: notificationsModule, outbox: outboxModule });
  const agencies = seedDigests(store, [...Array<number>(1000).fill(100), 20_000]);
  const realNow = Date.now;
  Date.now = () => DIGEST_DUE;
  const start = performance.now();
  // The hourly cron's run, then everything it schedules (drivers, batches, sends).
  // A failure is counted below (digest_transactions_failed); its reason goes to stderr.
  await store.runMutation(internal.notifications.sendDigests, {}).catch((e: unknown) => console.error("digest run failed:", e));
  await store.drain();
  const ms = performance.now() - start;
  Date.now = realNow;

  const failed = store.transactions.filter((t) => t.error);
  const max = (metric: keyof Usage) => Math.max(...store.transactions.map((t) => t.usage[metric]));
  const digests = new Map<unknown, Record<string, unknown>[]>();
  for (const row of store.all("outbox")) {
    const d = { ...row, ...(row.message as Record<string, unknown>) };
    digests.set(d.agencyId, [...(digests.get(d.agencyId) ?? []), d]);
  }
  const itemsByDelivery = new Map<unknown, number>();
  let pending = 0;
  for (const item of store.all("notificationItems")) {
    if (item.state !== "digested") pending++;
    itemsByDelivery.set(item.deliveryId, (itemsByDelivery.get(item.deliveryId) ?? 0) + 1);
  }
  // Each agency: exactly one digest, sent, counting every one of its items, and each item in it.
  const everyAgencyOnce = agencies.every(({ agencyId, items }) => {
    const own = digests.get(agencyId) ?? [];
    return own.length === 1 && own[0].status === "sent" && own[0].digestItems === items && itemsByDelivery.get(own[0]._id) === items;
  });
  const advanced = store.all("notificationSettings").every((s) => (s.nextDigestAt as number) > DIGEST_DUE && s.digestRun === undefined);
  const withinLimits = (Object.keys(CONVEX_LIMITS) as (keyof Usage)[]).every((m) => max(m) <= CONVEX_LIMITS[m]);
  const ok = failed.length === 0 && withinLimits && pending === 0 && everyAgencyOnce && advanced && world.deliveredEmails.length === agencies.length;
  print("digest_1000_agencies_ok", ok ? 1 : 0);
  print("digest_emails_sent", world.deliveredEmails.length);
  print("digest_items_left_pending", pending);
  print("digest_transactions", store.transactions.length);
  print("digest_transactions_failed", failed.length);
  print("digest_max_documents_written", max("documentsWritten"));
  print("digest_max_documents_read", max("documentsRead"));
  print("digest_max_bytes_read", max("bytesRead"));
  print("digest_max_functions_scheduled", max("functionsScheduled"));
  print("digest_run_ms", round(ms, 0));
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
  await benchFunnel();

  benchCallingHours();
  await benchPipeline();
  print("tool_call_ms_p95", await benchToolCalls());
  print("lead_to_dial_ms", await benchLeadToDial());
  benchDenseGrid();
  await benchDigest();
  await benchReconcile(print);
  const pacing = await benchPacing();
  print("dial_throughput_ratio", round(pacing.ratio));
  print("max_concurrent_dials", pacing.maxConcurrent);
  const campaign = await benchCampaignStart();
  print("campaign_10k_start_ok", campaign.ok ? 1 : 0);
  print("campaign_10k_transactions", campaign.transactions);
  print("campaign_10k_transactions_failed", campaign.failed);
  print("campaign_10k_max_documents_read", campaign.maxRead);
  print("campaign_10k_max_documents_written", campaign.maxWritten);
  print("campaign_10k_max_functions_scheduled", campaign.maxScheduled);
  console.log = quiet;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

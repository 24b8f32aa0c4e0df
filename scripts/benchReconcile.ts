/**
 * reconcile_page_ms_100k / reconcile_history_ratio: one reconciliation page (the
 * real calendarSync.planPage and applyPage handlers, with the page's provider step
 * between them) for an agency with 100,000 meetings vs one with 1,000, on the
 * transactional index-faithful store (txStore.ts) that charges Convex's limits.
 * Both agencies have the same 60 meetings in scope (upcoming, one meeting page and
 * a bit); the rest is history older than the reconciler's 7 days. The watermark is
 * reset before each run so every run is the same first page. Medians of
 * interleaved runs; a page that breaks a limit or touches history fails the bench.
 */
import { performance } from "node:perf_hooks";
import { internal } from "../convex/_generated/api";
import * as calendarSyncModule from "../convex/calendarSync";
import { askProviders } from "../convex/model/calendarSync/ask";
import { PAGE_SIZE, type Plan } from "../convex/model/calendarSync/page";
import { interleavedMedians } from "./interleave";
import { CONVEX_LIMITS, TxStore, type Usage } from "./txStore";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Handler = { _handler: (ctx: { db: unknown }, args: unknown) => Promise<unknown> };

function reconcileStore(meetings: number, now: number) {
  const resetState: Handler & { isMutation: true } = {
    isMutation: true,
    _handler: async (ctx) => {
      const db = ctx.db as { query: (t: string) => { withIndex: (i: string) => { collect: () => Promise<{ _id: string }[]> } }; delete: (t: string, id: string) => Promise<void> };
      for (const row of await db.query("calendarSyncState").withIndex("by_agency").collect()) await db.delete("calendarSyncState", row._id);
    },
  };
  const store = new TxStore({ calendarSync: calendarSyncModule, bench: { resetState } });
  const agencyId = store.insert("agencies", {
    name: "Brightline Growth",
    timeZone: "America/New_York",
    availability: ["Mon-Fri 09:00-17:00"],
    slotIntervalMinutes: 30,
    meetingDurationMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 60,
    horizonDays: 14,
  });
  const opportunityId = store.insert("opportunities", { agencyId, name: "Prospect", phone: "+12015550123", status: "Booked" });
  const meeting = (meetingTime: number, status: string) =>
    store.insert("meetings", { agencyId, opportunityId, meetingTime, durationMinutes: 30, source: "ai_call", status, sequence: 0, inHistory: true, countedOutcome: status === "completed" ? "completed" : undefined });
  const inScope = 60;
  for (let i = 0; i < inScope; i++) meeting(now + HOUR + i * 2 * HOUR, "booked");
  for (let i = 0; i < meetings - inScope; i++) meeting(now - 8 * DAY - i * HOUR, i % 7 === 0 ? "cancelled" : "completed");
  return { store, agencyId };
}

export async function benchReconcile(print: (name: string, value: number) => void): Promise<void> {
  const now = Date.parse("2026-11-21T15:00:00Z");
  const realNow = Date.now;
  Date.now = () => now;
  const small = reconcileStore(1_000, now);
  const large = reconcileStore(100_000, now);
  let ok = true;
  const page = async (s: ReturnType<typeof reconcileStore>) => {
    await s.store.runMutation("bench:resetState", {});
    const start = performance.now();
    const plan = (await s.store.runMutation(internal.calendarSync.planPage, { agencyId: s.agencyId, now })) as Plan;
    const result = await askProviders(plan);
    await s.store.runMutation(internal.calendarSync.applyPage, { agencyId: s.agencyId, result, now });
    const ms = performance.now() - start;
    if (plan.meetings.length !== PAGE_SIZE || plan.meetings.some((m) => m.meetingTime < now)) ok = false;
    return ms;
  };
  const [smallMs, largeMs] = await interleavedMedians(page, small, large, { warmups: 20, runs: 100 });
  Date.now = realNow;
  const pageTx = large.store.transactions.filter((t) => !t.name.startsWith("bench:"));
  const max = (metric: keyof Usage) => Math.max(...pageTx.map((t) => t.usage[metric]));
  const withinLimits = (Object.keys(CONVEX_LIMITS) as (keyof Usage)[]).every((m) => max(m) <= CONVEX_LIMITS[m]);
  const failed = pageTx.filter((t) => t.error).length;
  print("reconcile_page_ms_1k", Number(smallMs.toFixed(3)));
  print("reconcile_page_ms_100k", Number(largeMs.toFixed(3)));
  print("reconcile_history_ratio", Number((largeMs / smallMs).toFixed(2)));
  print("reconcile_page_max_documents_read", max("documentsRead"));
  print("reconcile_page_ok", ok && withinLimits && failed === 0 ? 1 : 0);
}

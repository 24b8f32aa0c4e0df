/**
 * calls.funnel reads counters kept by the `calls` trigger (convex/functions.ts),
 * never the calls: they must follow every later change of a call, be backfilled
 * for calls written before them, and stay exact for any [from, to).
 */
import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { funnel as funnelQuery } from "../../../convex/calls";
import { funnelCounts, rangeSlices, slotsOf, LEVELS } from "../../../convex/model/calls/funnel";
import { syncFunnel } from "../../../convex/model/calls/funnelCounters";
import { outcomesFromTally } from "../../../convex/model/meetings/outcomeCounters";
import { callHistory, funnelNodesFor } from "../../../scripts/funnelHistory";
import { AGREED, BOOKED_REPLY, type Line, NOW } from "../../helpers/conversation";
import { endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { addProspect, type Backend, placeCall, postWebhook, promptOf, rows, runScheduled, setupWorld } from "../../helpers/world";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function funnel(t: Backend, agencyId: Id<"agencies">, from = NOW - DAY, to = NOW + DAY) {
  return await t.query(internal.calls.funnel, { agencyId, from, to });
}

/** These calls leave no message for staff (tests/flows/callbacks counts those). */
const NO_MESSAGES = { messagesTaken: 0, callbacksConnected: 0, medianMinutesToConnection: null };

/** The funnel computed straight from the calls and meetings: what the counters must say. */
async function fromCalls(t: Backend, agencyId: Id<"agencies">, from = NOW - DAY, to = NOW + DAY) {
  const calls = (await rows(t, "calls")).filter((c) => c.agencyId === agencyId && c.dialAt >= from && c.dialAt < to);
  const meetings = (await rows(t, "meetings")).filter((m) => m.agencyId === agencyId && m.meetingTime >= from && m.meetingTime < to);
  const count = (status: string) => meetings.filter((m) => m.status === status).length;
  return {
    ...funnelCounts(calls),
    pipelineValue: null,
    roi: null,
    ...outcomesFromTally({ completed: count("completed"), noShow: count("no_show") }),
    ...NO_MESSAGES,
    truncated: false,
  };
}

const DECLINED: Line[] = [
  ["AI", "Hi Lee, this is Atlas from Brightline Growth. Could we set up a 30 minute intro?"],
  ["User", "No thanks, we are not interested."],
  ["AI", "Understood, have a good day."],
];

describe("funnel counters", () => {
  test("follow outcomes and costs that arrive after the fact: ended, cost in the report, booked or rejected later", { timeout: 30_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    const lee = await addProspect(t, agencyId, "Lee Park", "+12015550188");
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 0, cost: 0 });

    const dana = await placeCall(t, opportunityId);
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 1, connected: 0, booked: 0, cost: 0 });

    // The status-update says it ended in a conversation; no cost yet.
    await postWebhook(t, statusUpdate(dana.vapiCallId, dana.callId, "ended", "customer-ended-call"));
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 1, connected: 1, booked: 0, cost: 0 });

    // The report brings the cost; the booking comes later, from the analysis.
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, endOfCallReport(dana.vapiCallId, dana.callId, AGREED, { cost: 0.3 }));
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 1, connected: 1, booked: 0, cost: 0.3, costPerBookedMeeting: null });
    await runScheduled(t);
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 1, booked: 1, cost: 0.3, costPerBookedMeeting: 0.3 });

    // A second prospect declines: rejected once the analysis has read the transcript.
    const second = await placeCall(t, lee);
    world.groqReplies = [
      { meetingBooked: false, slotIso: null, rejectionDetected: true, confidence: 0.95, evidence: "No thanks, we are not interested." },
    ];
    await postWebhook(t, endOfCallReport(second.vapiCallId, second.callId, DECLINED, { cost: 0.1 }));
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 2, connected: 2, rejected: 0, cost: 0.4 });
    await runScheduled(t);
    expect((await t.run((ctx) => ctx.db.get("calls", second.callId)))?.outcome).toBe("rejected");

    const final = await funnel(t, agencyId);
    expect(final).toEqual({
      placed: 2,
      connected: 2,
      booked: 1,
      rejected: 1,
      noAnswer: 0,
      bookingRate: 0.5,
      cost: 0.4,
      costPerBookedMeeting: 0.4,
      pipelineValue: null,
      roi: null,
      completed: 0,
      noShow: 0,
      completionRate: 0,
      noShowRate: 0,
      ...NO_MESSAGES,
      truncated: false,
    });
    expect(final).toEqual(await fromCalls(t, agencyId));
    // Outside the dial times: nothing.
    expect(await funnel(t, agencyId, NOW + 1, NOW + DAY)).toMatchObject({ placed: 0, cost: 0 });
  });

  test("a call that moves to another dial time or is deleted leaves nothing behind", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const { callId } = await placeCall(t, opportunityId);
    await t.mutation(internal.calls.applyStatusUpdate, { callId, status: "ended", endedReason: "customer-busy" });
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 1, noAnswer: 1 });
    const nodes = await rows(t, "funnelNodes");
    expect(nodes.length).toBe(LEVELS);
    expect(nodes.every((n) => n.children.length === 1)).toBe(true);

    // No mutation moves or deletes a call today; syncFunnel (what the trigger runs) must still handle it.
    await t.run(async (ctx) => {
      await ctx.db.patch("calls", callId, { dialAt: NOW + 3 * DAY });
      await syncFunnel(ctx.db, callId, await ctx.db.get("calls", callId));
    });
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 0 });
    expect(await funnel(t, agencyId, NOW + 2 * DAY, NOW + 4 * DAY)).toMatchObject({ placed: 1, noAnswer: 1 });
    await t.run(async (ctx) => {
      await ctx.db.delete("calls", callId);
      await syncFunnel(ctx.db, callId, null);
    });
    expect(await funnel(t, agencyId, 0, NOW + 10 * DAY)).toMatchObject({ placed: 0 });
    expect(await rows(t, "funnelNodes")).toEqual([]);
    expect(await rows(t, "funnelEntries")).toEqual([]);
  });

  test("counters built call by call (syncFunnel, as the trigger and the migration run it) equal the bulk builder the bench uses", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const history = callHistory(40, NOW, 7 * 60_000);
    // Raw inserts, then counted one call at a time by the migration.
    await t.run(async (ctx) => {
      for (const c of history) {
        await ctx.db.insert("calls", {
          agencyId,
          opportunityId,
          direction: c.direction,
          status: "ended",
          attempt: 1,
          dialAt: c.dialAt,
          vapiCallId: c.vapiCallId,
          outcome: c.outcome,
          cost: c.cost,
          offeredSlotsISO: [],
          updatedAt: NOW,
        });
      }
    });
    await t.mutation(internal.migrations.migrateCalls, { batchSize: 15 });
    await runScheduled(t);
    const sorted = (ns: { level: number; start: number; children: { slot: number }[] }[]) =>
      ns
        .map((n) => ({ level: n.level, start: n.start, children: [...n.children].sort((a, b) => a.slot - b.slot) }))
        .sort((a, b) => a.level - b.level || a.start - b.start);
    expect(sorted(await rows(t, "funnelNodes"))).toEqual(sorted(funnelNodesFor(agencyId, history)));
  });
});

describe("the calls migration", () => {
  test("moves the prompt to callOffers, drops the snapshot, counts old calls once, in bounded resumable batches", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    // Calls as the previous version wrote them (raw inserts: no trigger ran for them).
    const legacy = (i: number, over: Partial<Doc<"calls">>) => ({
      agencyId,
      opportunityId,
      direction: "outbound" as const,
      status: "ended" as const,
      attempt: i + 1,
      dialAt: NOW - i * HOUR,
      offeredSlotsISO: ["2026-11-24T14:00:00-05:00"],
      agencyAvailabilityWindows: ["Mon-Fri 09:00-17:00"],
      futureMeetings: [{ start: NOW + DAY, end: NOW + DAY + 30 * 60_000 }],
      promptContext: `prompt ${i}`,
      updatedAt: NOW,
      ...over,
    });
    const ids = await t.run(async (ctx) => {
      const out: Id<"calls">[] = [];
      const overs: Partial<Doc<"calls">>[] = [
        { vapiCallId: "a", outcome: "booked", cost: 0.25 },
        { vapiCallId: "b", outcome: "rejected", cost: 0.1 },
        { vapiCallId: "c", outcome: "no_answer", cost: 0.01 },
        { outcome: "failed" },
        { vapiCallId: "e", outcome: "completed", cost: 0.2 },
      ];
      for (const [i, over] of overs.entries()) out.push(await ctx.db.insert("calls", legacy(i, over)));
      // A refreshed offer already written by the new code must win over the call's old field.
      await ctx.db.insert("callOffers", { callId: out[4], promptContext: "fresh prompt" });
      return out;
    });
    expect(await funnel(t, agencyId)).toMatchObject({ placed: 0 }); // not counted yet

    const first = await t.mutation(internal.migrations.migrateCalls, { batchSize: 2 });
    expect(first).toEqual({ processed: 2, done: false });
    await runScheduled(t);

    const calls = await rows(t, "calls");
    for (const c of calls) {
      expect(c).not.toHaveProperty("promptContext");
      expect(c).not.toHaveProperty("futureMeetings");
      expect(c).not.toHaveProperty("agencyAvailabilityWindows");
      expect(c.offeredSlotsISO).toEqual(["2026-11-24T14:00:00-05:00"]);
    }
    expect(await promptOf(t, ids[0])).toBe("prompt 0");
    expect(await promptOf(t, ids[4])).toBe("fresh prompt");
    expect(await rows(t, "callOffers")).toHaveLength(5);
    const counted = await funnel(t, agencyId);
    expect(counted).toEqual(await fromCalls(t, agencyId));
    expect(counted).toMatchObject({ placed: 4, booked: 1, rejected: 1, noAnswer: 1, cost: 0.56 });
    expect((await rows(t, "migrationRuns"))[0]).toMatchObject({ done: true, processed: 5 });

    // Done: another run does nothing; a restart goes over everything again and counts nothing twice.
    expect(await t.mutation(internal.migrations.migrateCalls, {})).toEqual({ processed: 5, done: true });
    await t.mutation(internal.migrations.migrateCalls, { restart: true });
    await runScheduled(t);
    expect(await funnel(t, agencyId)).toEqual(counted);
    expect(await rows(t, "callOffers")).toHaveLength(5);
    await expect(t.mutation(internal.migrations.migrateCalls, { batchSize: 5000 })).rejects.toThrow(/batchSize/);
  });
});

describe("rangeSlices", () => {
  test("the slices count exactly the dial times in [from, to), for any range", () => {
    // Dial times bunched (the same ms, the same second) and spread over years.
    const base = Date.parse("2026-03-08T06:59:59.999Z");
    const times = [
      base,
      base,
      base + 1,
      base + 1023,
      base + 1024,
      base + 65_535,
      base + HOUR,
      base - 400 * DAY,
      base + 900 * DAY,
      0,
      1,
      ...Array.from({ length: 200 }, (_, i) => base + Math.floor(((i * 7919) % 1000) * 1.37 * HOUR) + (i % 13)),
    ];
    const counters = new Map<string, number>();
    for (const t of times) {
      for (const { level, start, slot } of slotsOf(t)) {
        const key = `${level}:${start}:${slot}`;
        counters.set(key, (counters.get(key) ?? 0) + 1);
      }
    }
    const viaSlices = (from: number, to: number) => {
      const slices = rangeSlices(from, to);
      expect(slices.length).toBeLessThanOrEqual(2 * LEVELS);
      let n = 0;
      for (const s of slices) for (let slot = s.from; slot < s.to; slot++) n += counters.get(`${s.level}:${s.start}:${slot}`) ?? 0;
      return n;
    };
    const edges = [...times, ...times.map((t) => t + 1), ...times.map((t) => t - 1), -5, 2 ** 42 + 5, base + 0.5];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 3000; k++) {
      const a = edges[Math.floor(random() * edges.length)];
      const b = edges[Math.floor(random() * edges.length)];
      const [from, to] = a <= b ? [a, b] : [b, a];
      expect(viaSlices(from, to), `[${from}, ${to})`).toBe(times.filter((t) => t >= from && t < to).length);
    }
  });
});

test("over a large history the funnel reads a few counters, never the calls (transactionLimits)", { timeout: 60_000 }, async () => {
  const { t, agencyId, opportunityId } = await setupWorld({ transactionLimits: true });
  const handler = (funnelQuery as unknown as { _handler: (ctx: unknown, a: unknown) => Promise<Record<string, unknown>> })._handler;
  const readsFor = async (from: number, to: number) =>
    await t.run(async (ctx) => {
      const result = await handler(ctx, { agencyId, from, to });
      const metrics = await ctx.meta.getTransactionMetrics();
      return { result, reads: metrics.documentsRead.used };
    });

  // 5,000 calls over ~35 days, plus their counters (built in bulk: see the trigger test above).
  const history = callHistory(5_000, NOW, 10 * 60_000);
  // In batches: one transaction may write at most 16 MiB.
  for (let i = 0; i < history.length; i += 1_000) {
    await t.run(async (ctx) => {
      for (const c of history.slice(i, i + 1_000)) {
        await ctx.db.insert("calls", {
        agencyId,
        opportunityId,
        direction: c.direction,
        status: "ended",
        attempt: 1,
        dialAt: c.dialAt,
        vapiCallId: c.vapiCallId,
        outcome: c.outcome,
        cost: c.cost,
        offeredSlotsISO: [],
          // What made the old funnel heavy: a prompt on every call it read.
          promptContext: "x".repeat(4_000),
          updatedAt: NOW,
        });
      }
    });
  }
  await t.run(async (ctx) => {
    for (const node of funnelNodesFor(agencyId, history)) await ctx.db.insert("funnelNodes", node);
  });

  const ranges: [number, number][] = [
    [NOW - 40 * DAY, NOW + DAY], // all of it
    [NOW - 7 * DAY + 12_345, NOW - 3 * HOUR + 17], // a week, cut mid-second
    [NOW - 20 * DAY, NOW - 19 * DAY],
  ];
  for (const [from, to] of ranges) {
    const { result, reads } = await readsFor(from, to);
    const inRange = history.filter((c) => c.dialAt >= from && c.dialAt < to);
    // No meeting has an outcome here: the outcome counters read nothing.
    expect(result).toEqual({ ...funnelCounts(inRange), pipelineValue: null, roi: null, ...outcomesFromTally({ completed: 0, noShow: 0 }), ...NO_MESSAGES, truncated: false });
    // The counters, and the agency for its meetingValue.
    expect(reads).toBeLessThanOrEqual(2 * LEVELS + 1);
  }
  expect(((await readsFor(NOW - 40 * DAY, NOW + DAY)).result as { placed: number }).placed).toBeGreaterThan(4_000);
});

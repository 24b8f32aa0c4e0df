/**
 * dial_throughput_ratio and max_concurrent_dials: a 1,000-call campaign through
 * the real pacing gate (model/calls/dialGate.ts: enqueueDial, pumpDials with the
 * real grantDial, lineFollowsCall as the calls trigger runs it) on an in-memory
 * store with a simulated clock. 10 Vapi lines, 2 kept for inbound, every call
 * 3 minutes long, all inside calling hours. Vapi is simulated: a create takes
 * CREATE_MS, the call then lasts CALL_MS, and its end reaches our webhook
 * WEBHOOK_MS later; a scheduled function starts SCHEDULER_MS after it is due.
 * Functions run one at a time, as serializable transactions would.
 */
import { getFunctionName } from "convex/server";
import schema from "../convex/schema";
import { enqueueDial, lineFollowsCall, pumpDials } from "../convex/model/calls/dialGate";
import { grantDial } from "../convex/model/calls/dialGrant";
import type { MutationCtx } from "../convex/_generated/server";
import { compareKeys, RangeBuilder, type Key } from "./indexedStore";
import { internal } from "../convex/_generated/api";
import * as campaignsModule from "../convex/campaigns";
import * as dialGateModule from "../convex/dialGate";
import { TxStore, type Usage } from "./txStore";

const CALLS = 1000;
const VAPI_LINES = 10;
const INBOUND_RESERVE = 2;
const CALL_MS = 3 * 60_000;
const CREATE_MS = 400;
const WEBHOOK_MS = 300;
const SCHEDULER_MS = 20;

type Doc = Record<string, unknown> & { _id: string; _creationTime: number };
type Job = { at: number; seq: number; name: string; args: Record<string, unknown>; id: string };

/** A single-threaded Convex: documents, index-ordered queries, a scheduler on a simulated clock. */
class SimulatedConvex {
  now = 0;
  private docs = new Map<string, Doc>();
  private indexes = new Map<string, string[]>();
  private jobs: Job[] = [];
  private cancelled = new Set<string>();
  private seq = 0;

  constructor() {
    const exported = JSON.parse((schema as unknown as { export(): string }).export()) as {
      tables: { tableName: string; indexes: { indexDescriptor: string; fields: string[] }[] }[];
    };
    for (const t of exported.tables) for (const i of t.indexes) this.indexes.set(`${t.tableName}.${i.indexDescriptor}`, i.fields);
  }

  private id(table: string) {
    return `${++this.seq};${table}`;
  }

  private rows(table: string, index: string, build: (q: RangeBuilder) => RangeBuilder, order: "asc" | "desc"): Doc[] {
    const fields = this.indexes.get(`${table}.${index}`);
    if (!fields) throw new Error(`no index ${table}.${index}`);
    const key = (d: Doc): Key => [...fields.map((f) => d[f]), d._creationTime];
    const q = build(new RangeBuilder());
    const lower = q.lower ?? (q.eqs.length ? { key: q.eqs, inclusive: true } : undefined);
    const upper = q.upper ?? (q.eqs.length ? { key: q.eqs, inclusive: true } : undefined);
    const inRange = [...this.docs.values()].filter((d) => {
      if (!d._id.endsWith(`;${table}`)) return false;
      const k = key(d);
      if (lower) {
        const c = compareKeys(k.slice(0, lower.key.length), lower.key);
        if (c < 0 || (c === 0 && !lower.inclusive)) return false;
      }
      if (upper) {
        const c = compareKeys(k.slice(0, upper.key.length), upper.key);
        if (c > 0 || (c === 0 && !upper.inclusive)) return false;
      }
      return true;
    });
    inRange.sort((a, b) => compareKeys(key(a), key(b)));
    return order === "desc" ? inRange.reverse() : inRange;
  }

  insert(table: string, fields: Record<string, unknown>): string {
    const _id = this.id(table);
    this.docs.set(_id, { ...fields, _id, _creationTime: this.now + this.seq / 1e6 });
    return _id;
  }

  get ctx(): MutationCtx {
    const query = (table: string) => {
      const chain = (index: string, build: (q: RangeBuilder) => RangeBuilder, order: "asc" | "desc") => ({
        order: (o: "asc" | "desc") => chain(index, build, o),
        first: async () => this.rows(table, index, build, order)[0] ?? null,
        take: async (n: number) => this.rows(table, index, build, order).slice(0, n),
        collect: async () => this.rows(table, index, build, order),
      });
      return {
        withIndex: (index: string, build: (q: RangeBuilder) => RangeBuilder = (q) => q) => chain(index, build, "asc"),
        first: async () => [...this.docs.values()].find((d) => d._id.endsWith(`;${table}`)) ?? null,
      };
    };
    const schedule = (at: number, ref: unknown, args: Record<string, unknown>) => {
      const id = this.id("_scheduled_functions");
      this.jobs.push({ at: Math.max(at, this.now) + SCHEDULER_MS, seq: this.seq, name: getFunctionName(ref as never), args, id });
      return id;
    };
    return {
      db: {
        get: async (_t: string, id: string) => this.docs.get(id) ?? null,
        query,
        insert: async (table: string, fields: Record<string, unknown>) => this.insert(table, fields),
        patch: async (_t: string, id: string, fields: Record<string, unknown>) => {
          const next = { ...this.docs.get(id)!, ...fields };
          for (const [k, v] of Object.entries(fields)) if (v === undefined) delete next[k];
          this.docs.set(id, next);
        },
        delete: async (_t: string, id: string) => void this.docs.delete(id),
        normalizeId: (table: string, id: string) => (id.endsWith(`;${table}`) ? id : null),
      },
      scheduler: {
        runAfter: async (delay: number, ref: unknown, args: Record<string, unknown>) => schedule(this.now + delay, ref, args),
        runAt: async (at: number, ref: unknown, args: Record<string, unknown>) => schedule(at, ref, args),
        cancel: async (id: string) => void this.cancelled.add(id),
      },
    } as unknown as MutationCtx;
  }

  /** Runs jobs in time order (ties in scheduling order), moving the clock to each, until none is left. */
  async run(handlers: Record<string, (args: Record<string, unknown>) => Promise<void>>) {
    for (;;) {
      this.jobs.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const job = this.jobs.shift();
      if (!job) return;
      if (this.cancelled.has(job.id)) continue;
      this.now = Math.max(this.now, job.at);
      const handler = handlers[job.name];
      if (!handler) throw new Error(`the simulation has no handler for ${job.name}`);
      await handler(job.args);
    }
  }

  later(ms: number, name: string, args: Record<string, unknown>) {
    this.jobs.push({ at: this.now + ms, seq: ++this.seq, name, args, id: this.id("_scheduled_functions") });
  }

  get(id: string) {
    return this.docs.get(id)!;
  }
}

export async function benchPacing(): Promise<{ ratio: number; maxConcurrent: number; maxLines: number }> {
  const sim = new SimulatedConvex();
  const saved = { now: Date.now, max: process.env.VAPI_MAX_CONCURRENT_CALLS, reserve: process.env.VAPI_INBOUND_RESERVE };
  Date.now = () => sim.now;
  process.env.VAPI_MAX_CONCURRENT_CALLS = String(VAPI_LINES);
  process.env.VAPI_INBOUND_RESERVE = String(INBOUND_RESERVE);
  try {
    const start = Date.parse("2026-11-23T15:00:00Z");
    sim.now = start;
    const ctx = sim.ctx;
    let live = 0;
    let maxConcurrent = 0;
    let maxLines = 0;
    let lastEnd = start;
    let ended = 0;
    // The campaign's calls, all due now (inside calling hours), queued at the gate in one go.
    for (let i = 0; i < CALLS; i++) {
      const callId = sim.insert("calls", { status: "scheduled", attempt: 1, dialAt: start });
      await enqueueDial(ctx, { kind: "call", callId: callId as never }, { dueAt: start });
    }
    const setStatus = async (callId: string, status: string) => {
      const before = { ...sim.get(callId) } as never;
      await ctx.db.patch("calls", callId as never, { status } as never);
      await lineFollowsCall(ctx, callId, before, sim.get(callId) as never);
    };
    await sim.run({
      "dialGate:pump": async () => {
        await pumpDials(ctx, grantDial);
        maxLines = Math.max(maxLines, (await ctx.db.query("dialLines").withIndex("by_held_since").collect()).length);
      },
      // Vapi: the create is answered, the call rings and talks for CALL_MS, then hangs up.
      "vapi:startPhoneCall": async ({ callId }) => sim.later(CREATE_MS, "vapi:live", { callId }),
      "vapi:live": async ({ callId }) => {
        await setStatus(callId as string, "in-progress");
        maxConcurrent = Math.max(maxConcurrent, ++live);
        sim.later(CALL_MS, "vapi:hangUp", { callId });
      },
      "vapi:hangUp": async ({ callId }) => {
        live--;
        ended++;
        lastEnd = sim.now;
        sim.later(WEBHOOK_MS, "webhook:ended", { callId });
      },
      // Our webhook hears the end: the status write frees the line (the calls trigger).
      "webhook:ended": async ({ callId }) => setStatus(callId as string, "ended"),
    });
    if (ended !== CALLS) throw new Error(`only ${ended} of ${CALLS} calls were dialled`);
    const ideal = (CALLS * CALL_MS) / (VAPI_LINES - INBOUND_RESERVE);
    return { ratio: ideal / (lastEnd - start), maxConcurrent, maxLines };
  } finally {
    Date.now = saved.now;
    process.env.VAPI_MAX_CONCURRENT_CALLS = saved.max;
    process.env.VAPI_INBOUND_RESERVE = saved.reserve;
    if (saved.max === undefined) delete process.env.VAPI_MAX_CONCURRENT_CALLS;
    if (saved.reserve === undefined) delete process.env.VAPI_INBOUND_RESERVE;
  }
}

/**
 * campaign_10k_*: a 10,000-prospect campaign created (8,192 ids, then 1,808 with
 * addMembers), started and fanned out, on the transactional store that charges
 * every transaction what Convex charges (scripts/txStore.ts). The real campaign
 * and gate functions run; the dial action is a stub (Vapi is not the point here).
 */
export async function benchCampaignStart() {
  const store = new TxStore({
    campaigns: campaignsModule,
    dialGate: dialGateModule,
    vapi: { startPhoneCall: { isAction: true, _handler: async () => null } },
  });
  const now = Date.parse("2026-11-23T15:00:00Z");
  const agencyId = store.insert("agencies", {
    name: "Brightline Growth",
    timeZone: "America/New_York",
    availability: ["Mon-Fri 09:00-17:00"],
    slotIntervalMinutes: 30,
    meetingDurationMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 120,
    horizonDays: 14,
  });
  const ids: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    ids.push(store.insert("opportunities", { agencyId, name: `Prospect ${i}`, phone: `+1212${String(5_000_000 + i)}`, timeZone: "America/New_York", status: "New" }));
  }
  const realNow = Date.now;
  Date.now = () => now;
  try {
    const campaignId = (await store.runMutation(internal.campaigns.create, { agencyId, name: "10k", opportunityIds: ids.slice(0, 8192) })) as string;
    await store.runMutation(internal.campaigns.addMembers, { campaignId, opportunityIds: ids.slice(8192) });
    await store.drain();
    await store.runMutation(internal.campaigns.start, { campaignId });
    await store.drain();
    const status = (await store.runMutation(internal.campaigns.status, { campaignId })) as { total: number; waiting: number; dialling: number };
    const max = (metric: keyof Usage) => Math.max(...store.transactions.map((t) => t.usage[metric]));
    return {
      ok: status.total === 10_000 && status.waiting + status.dialling === 10_000 && store.transactions.every((t) => !t.error),
      transactions: store.transactions.length,
      failed: store.transactions.filter((t) => t.error).length,
      maxRead: max("documentsRead"),
      maxWritten: max("documentsWritten"),
      maxScheduled: max("functionsScheduled"),
    };
  } finally {
    Date.now = realNow;
  }
}

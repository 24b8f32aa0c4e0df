/**
 * The pacing gate: every outbound dial (first attempts, retries, campaign calls
 * and staff callback calls) waits in one queue for a line.
 *
 * Vapi allows VAPI_MAX_CONCURRENT_CALLS live calls per organisation; Atlas keeps
 * VAPI_INBOUND_RESERVE of them free for inbound calls, so at most the difference
 * are held by outbound calls. A line is a row of `dialLines`, taken in the same
 * mutation that picks the dial from `dialQueue` and released when the call ends
 * (status `ended`, the report, a failure or a cancellation: the `calls` trigger in
 * convex/functions.ts; a staff call when its attempt settles: model/callbacks/flow.ts),
 * or by the reconciler when its end never arrives. Lines are
 * counted by reading the ledger's whole (small) range, so two pumps that could
 * both take the last line conflict and Convex runs one after the other.
 *
 * API (all inside a mutation):
 * - enqueueDial(ctx, subject, { dueAt, priority }): wait for a line from dueAt.
 * - requeueDial(ctx, holder, dueAt): give the line back and wait again (refused
 *   for concurrency, or outside calling hours at dial time), keeping the lane.
 * - releaseLine(ctx, holder) / withdrawDial(ctx, holder): the call ended / no
 *   longer wanted; both are idempotent.
 * - holdsLine(ctx, holder): a dial may only go to Vapi while it holds a line.
 * - pumpDials(ctx, grant): hands free lines to the due dials (convex/dialGate.ts).
 */
import { ConvexError, v, type Infer } from "convex/values";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import { internal } from "../../_generated/api";
import type { Doc } from "../../_generated/dataModel";
import { logEvent } from "../log";
import { isTerminalStatus } from "./outcomes";

/**
 * What waits at the gate: a call row ready to dial, a campaign member whose call is
 * created when a line frees, or a staff callback attempt (staffCalls.placeStaffCall).
 */
export const dialSubject = v.union(
  v.object({ kind: v.literal("call"), callId: v.id("calls") }),
  v.object({ kind: v.literal("campaignMember"), memberId: v.id("campaignMembers") }),
  v.object({ kind: v.literal("callbackAttempt"), attemptId: v.id("callbackAttempts") }),
);
export type DialSubject = Infer<typeof dialSubject>;

/** Speed-to-lead dials jump the queue: their lane is read first. */
export const PRIORITY_LANE = 0;
export const NORMAL_LANE = 1;
const LANES = [PRIORITY_LANE, NORMAL_LANE];

export const DEFAULT_MAX_CONCURRENT_CALLS = 10;
export const DEFAULT_INBOUND_RESERVE = 2;
/** Queue rows one pump looks at (granted or dropped) before it hands over to the next pump. */
export const PUMP_BATCH = 50;

function wholeNumberEnv(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConvexError(`${name} must be a whole number of calls (0 or more)`);
  return n;
}

/** Lines outbound dials may hold at once: VAPI_MAX_CONCURRENT_CALLS - VAPI_INBOUND_RESERVE. */
export function outboundLines(env: Record<string, string | undefined> = process.env): number {
  const max = wholeNumberEnv(env, "VAPI_MAX_CONCURRENT_CALLS", DEFAULT_MAX_CONCURRENT_CALLS);
  const reserve = wholeNumberEnv(env, "VAPI_INBOUND_RESERVE", DEFAULT_INBOUND_RESERVE);
  if (reserve >= max) throw new ConvexError("VAPI_INBOUND_RESERVE must be below VAPI_MAX_CONCURRENT_CALLS, or no outbound call could ever dial");
  return max - reserve;
}

/** The id a subject holds its queue row and line under (Convex ids are unique across tables). */
export function holderOf(subject: DialSubject): string {
  switch (subject.kind) {
    case "call":
      return subject.callId;
    case "campaignMember":
      return subject.memberId;
    case "callbackAttempt":
      return subject.attemptId;
  }
}

/** Lines held now, read up to `cap` (the whole range while below it: the read set every claim conflicts on). */
async function linesHeld(ctx: MutationCtx, cap: number): Promise<number> {
  return (await ctx.db.query("dialLines").withIndex("by_held_since").take(cap)).length;
}

async function queued(ctx: MutationCtx, holder: string) {
  return await ctx.db.query("dialQueue").withIndex("by_holder", (q) => q.eq("holder", holder)).first();
}

async function line(ctx: QueryCtx, holder: string) {
  return await ctx.db.query("dialLines").withIndex("by_holder", (q) => q.eq("holder", holder)).first();
}

export async function holdsLine(ctx: QueryCtx, holder: string): Promise<boolean> {
  return (await line(ctx, holder)) !== null;
}

/** A wake-up this far past its time did not run (its pump failed): another is scheduled. */
const LOST_WAKE_MS = 60_000;

/** Runs the pump at `at` unless a wake-up at or before it is already coming (one scheduled pump at a time). */
async function wakeAt(ctx: MutationCtx, at: number): Promise<void> {
  const state = await ctx.db.query("dialGateWake").first();
  if (state?.wakeAt !== undefined && state.wakeAt <= at && state.wakeAt > Date.now() - LOST_WAKE_MS) return;
  if (state?.wakeJobId) await ctx.scheduler.cancel(state.wakeJobId);
  const wakeJobId = await ctx.scheduler.runAt(at, internal.dialGate.pump, {});
  if (state) await ctx.db.patch("dialGateWake", state._id, { wakeAt: at, wakeJobId });
  else await ctx.db.insert("dialGateWake", { wakeAt: at, wakeJobId });
}

/**
 * The subject waits for a line from `dueAt`; a subject already waiting keeps its row, moved to the
 * earlier time and higher lane. With `pumpWith` (the grant of convex/dialGate.ts, passed by callers
 * outside the model so the modules do not import each other in a circle) a dial due now takes a free
 * line in this same mutation, without waiting for a scheduled pump.
 */
export async function enqueueDial(
  ctx: MutationCtx,
  subject: DialSubject,
  { dueAt, priority = false, pumpWith }: { dueAt: number; priority?: boolean; pumpWith?: Grant },
): Promise<void> {
  const holder = holderOf(subject);
  const lane = priority ? PRIORITY_LANE : NORMAL_LANE;
  const existing = await queued(ctx, holder);
  if (existing) {
    if (existing.lane > lane || existing.dueAt > dueAt) {
      await ctx.db.patch("dialQueue", existing._id, { lane: Math.min(existing.lane, lane), dueAt: Math.min(existing.dueAt, dueAt) });
    }
  } else {
    await ctx.db.insert("dialQueue", { subject, holder, lane, dueAt });
  }
  logEvent("gate.enqueued", { holder, lane, dueAt });
  if (pumpWith && dueAt <= Date.now()) await pumpDials(ctx, pumpWith);
  else await wakeAt(ctx, Math.max(dueAt, Date.now()));
}

/** The subject no longer wants to dial (cancelled, opted out). */
export async function withdrawDial(ctx: MutationCtx, holder: string): Promise<boolean> {
  const row = await queued(ctx, holder);
  if (!row) return false;
  await ctx.db.delete("dialQueue", row._id);
  logEvent("gate.withdrawn", { holder });
  return true;
}

/** The call holding the line ended: the line goes to the next due dial. */
export async function releaseLine(ctx: MutationCtx, holder: string): Promise<boolean> {
  const held = await line(ctx, holder);
  if (!held) return false;
  await ctx.db.delete("dialLines", held._id);
  await wakeAt(ctx, Date.now());
  logEvent("gate.released", { holder, heldMs: Date.now() - held.heldSince });
  return true;
}

/**
 * The calls trigger (convex/functions.ts): a call stepping into ended, failed or
 * cancelled leaves the queue and gives its line back. Other writes cost nothing.
 */
export async function lineFollowsCall(
  ctx: MutationCtx,
  callId: string,
  before: Pick<Doc<"calls">, "status"> | null,
  after: Pick<Doc<"calls">, "status"> | null,
): Promise<void> {
  const done = !after || isTerminalStatus(after.status);
  if (!done || (before && isTerminalStatus(before.status))) return;
  await withdrawDial(ctx, callId);
  await releaseLine(ctx, callId);
}

/** The dial holding a line cannot go now (refused for concurrency, outside calling hours): it waits again from `dueAt`, in its lane. */
export async function requeueDial(ctx: MutationCtx, holder: string, subject: DialSubject, dueAt: number): Promise<void> {
  const held = await line(ctx, holder);
  await releaseLine(ctx, holder);
  await enqueueDial(ctx, subject, { dueAt, priority: held?.lane === PRIORITY_LANE });
}

/** The first dial due by `now`: priority lane first, then the one due longest. */
async function nextDue(ctx: MutationCtx, now: number): Promise<Doc<"dialQueue"> | null> {
  for (const lane of LANES) {
    const row = await ctx.db
      .query("dialQueue")
      .withIndex("by_lane_and_due", (q) => q.eq("lane", lane).lte("dueAt", now))
      .first();
    if (row) return row;
  }
  return null;
}

/** When the next waiting dial falls due after `now`, if any. */
async function nextDueTime(ctx: MutationCtx, now: number): Promise<number | null> {
  let earliest: number | null = null;
  for (const lane of LANES) {
    const row = await ctx.db
      .query("dialQueue")
      .withIndex("by_lane_and_due", (q) => q.eq("lane", lane).gt("dueAt", now))
      .first();
    if (row && (earliest === null || row.dueAt < earliest)) earliest = row.dueAt;
  }
  return earliest;
}

/**
 * Starts what the subject dials, now that a line is free: returns what holds the
 * line (a campaign member's new call, so the reconciler can dial that call again if
 * its dial is lost), or null when the subject no longer dials (the line stays free).
 */
export type Grant = (ctx: MutationCtx, subject: DialSubject) => Promise<DialSubject | null>;

/** Hands every free line to a due dial, oldest first; then sleeps until the next one falls due. */
export async function pumpDials(ctx: MutationCtx, grant: Grant): Promise<{ granted: number; dropped: number; free: number }> {
  const now = Date.now();
  const state = await ctx.db.query("dialGateWake").first();
  // This run is the wake-up (or a later one): the next sleep is scheduled afresh below.
  if (state?.wakeAt !== undefined && state.wakeAt <= now) await ctx.db.patch("dialGateWake", state._id, { wakeAt: undefined, wakeJobId: undefined });
  const limit = outboundLines();
  let free = limit - (await linesHeld(ctx, limit));
  let granted = 0;
  let dropped = 0;
  while (free > 0 && granted + dropped < PUMP_BATCH) {
    const next = await nextDue(ctx, now);
    if (!next) break;
    await ctx.db.delete("dialQueue", next._id);
    const subject = await grant(ctx, next.subject);
    if (subject === null) {
      dropped++;
      continue;
    }
    await ctx.db.insert("dialLines", { holder: holderOf(subject), subject, lane: next.lane, heldSince: now });
    free--;
    granted++;
  }
  if (free > 0) {
    if (granted + dropped >= PUMP_BATCH) await wakeAt(ctx, now);
    else {
      const due = await nextDueTime(ctx, now);
      if (due !== null) await wakeAt(ctx, due);
    }
  }
  if (granted + dropped > 0) logEvent("gate.pumped", { granted, dropped, free });
  return { granted, dropped, free };
}

/** A line held longer than any call can last (Vapi ends calls at maxDurationSeconds) has lost its end. */
export async function staleLines(ctx: MutationCtx, heldBefore: number, limit: number) {
  return await ctx.db
    .query("dialLines")
    .withIndex("by_held_since", (q) => q.lt("heldSince", heldBefore))
    .take(limit);
}

import type { Doc, Id } from "../../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../../_generated/server";
import {
  addTallies,
  EMPTY_TALLY,
  funnelFromTally,
  funnelTally,
  isEmptyTally,
  rangeSlices,
  sameTally,
  slotsOf,
  type Funnel,
  type FunnelTally,
} from "./funnel";

const tallyOf = (row: FunnelTally): FunnelTally => ({
  placed: row.placed,
  connected: row.connected,
  booked: row.booked,
  rejected: row.rejected,
  noAnswer: row.noAnswer,
  costMicros: row.costMicros,
});

/** Adds `tally` (sign -1: removes it) to the node slot of every level that counts `dialAt`. */
async function addToNodes(db: DatabaseWriter, agencyId: Id<"agencies">, dialAt: number, tally: FunnelTally, sign: 1 | -1) {
  for (const { level, start, slot } of slotsOf(dialAt)) {
    const node = await db
      .query("funnelNodes")
      .withIndex("by_agency_level_and_start", (q) => q.eq("agencyId", agencyId).eq("level", level).eq("start", start))
      .unique();
    const children = node ? [...node.children] : [];
    const i = children.findIndex((c) => c.slot === slot);
    const sum = addTallies(i >= 0 ? tallyOf(children[i]) : EMPTY_TALLY, tally, sign);
    if (i >= 0) children.splice(i, 1);
    if (!isEmptyTally(sum)) children.push({ slot, ...sum });
    if (!node) await db.insert("funnelNodes", { agencyId, level, start, children });
    else if (children.length === 0) await db.delete("funnelNodes", node._id);
    else await db.patch("funnelNodes", node._id, { children });
  }
}

/**
 * Makes the funnel count `call` as it is now (null: the call is gone). Runs on
 * every write to `calls` (convex/functions.ts) and in the backfill; idempotent,
 * because the call's entry says what the counters already hold for it.
 */
export async function syncFunnel(db: DatabaseWriter, callId: Id<"calls">, call: Doc<"calls"> | null): Promise<void> {
  const entry = await db
    .query("funnelEntries")
    .withIndex("by_call", (q) => q.eq("callId", callId))
    .unique();
  const counted = entry ? tallyOf(entry) : null;
  const next = call ? funnelTally(call) : null;
  const samePlace = !entry || (call !== null && entry.agencyId === call.agencyId && entry.dialAt === call.dialAt);
  if (sameTally(counted, next) && samePlace) return;
  if (entry && counted) await addToNodes(db, entry.agencyId, entry.dialAt, counted, -1);
  if (call && next) {
    await addToNodes(db, call.agencyId, call.dialAt, next, 1);
    const fields = { callId, agencyId: call.agencyId, dialAt: call.dialAt, ...next };
    if (entry) await db.replace("funnelEntries", entry._id, fields);
    else await db.insert("funnelEntries", fields);
  } else if (entry) {
    await db.delete("funnelEntries", entry._id);
  }
}

/** The funnel of calls dialled in [from, to), from at most two nodes per level. */
export async function readFunnel(db: DatabaseReader, agencyId: Id<"agencies">, from: number, to: number): Promise<Funnel> {
  const sum = { ...EMPTY_TALLY };
  for (const slice of rangeSlices(from, to)) {
    const node = await db
      .query("funnelNodes")
      .withIndex("by_agency_level_and_start", (q) =>
        q.eq("agencyId", agencyId).eq("level", slice.level).eq("start", slice.start),
      )
      .unique();
    for (const child of node?.children ?? []) {
      if (child.slot < slice.from || child.slot >= slice.to) continue;
      sum.placed += child.placed;
      sum.connected += child.connected;
      sum.booked += child.booked;
      sum.rejected += child.rejected;
      sum.noAnswer += child.noAnswer;
      sum.costMicros += child.costMicros;
    }
  }
  return funnelFromTally(sum);
}

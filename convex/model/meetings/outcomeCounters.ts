/**
 * The funnel's meeting outcomes: completed and no-show meetings counted in a tree
 * over meeting time, the same shape as the calls' counters (model/calls/funnel.ts
 * slotsOf / rangeSlices), so a range reads at most 2 x LEVELS small documents
 * whatever the agency's history. Meetings start on whole minutes, so the tree
 * counts minutes, not milliseconds: a level-1 node holds an hour of meetings. Each meeting's `countedOutcome` says what the
 * tree holds for it, so syncing it twice changes nothing.
 */
import type { Doc, Id } from "../../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../../_generated/server";
import { rangeSlices, slotsOf } from "../calls/funnel";

export interface OutcomeTally {
  completed: number;
  noShow: number;
}

export interface MeetingOutcomes extends OutcomeTally {
  /** completed / (completed + noShow): of the meetings that had an outcome, how many happened; 0 when none. */
  completionRate: number;
  /** noShow / (completed + noShow); 0 when none. */
  noShowRate: number;
}

type Counted = Doc<"meetings">["countedOutcome"];

/** The tree's unit: a meeting is counted at its start's minute (exact for [from, to) on minute-aligned starts). */
const UNIT_MS = 60_000;

function tallyOf(outcome: Counted): OutcomeTally {
  return { completed: outcome === "completed" ? 1 : 0, noShow: outcome === "no_show" ? 1 : 0 };
}

/** The outcome a meeting's status counts as, if any. */
export function outcomeOf(status: Doc<"meetings">["status"]): Counted {
  return status === "completed" || status === "no_show" ? status : undefined;
}

/**
 * Counter changes gathered over many meetings and written once per node: a
 * backfill page touching a hundred meetings rewrites each node it touches once.
 */
export class OutcomeBatch {
  private nodes = new Map<string, { agencyId: Id<"agencies">; level: number; start: number; slots: Map<number, OutcomeTally> }>();

  add(agencyId: Id<"agencies">, at: number, tally: OutcomeTally, sign: 1 | -1) {
    for (const { level, start, slot } of slotsOf(Math.floor(at / UNIT_MS))) {
      const key = `${agencyId}|${level}|${start}`;
      const node = this.nodes.get(key) ?? { agencyId, level, start, slots: new Map() };
      this.nodes.set(key, node);
      const old = node.slots.get(slot) ?? { completed: 0, noShow: 0 };
      node.slots.set(slot, { completed: old.completed + sign * tally.completed, noShow: old.noShow + sign * tally.noShow });
    }
  }

  async flush(db: DatabaseWriter) {
    for (const { agencyId, level, start, slots } of this.nodes.values()) {
      const node = await db
        .query("meetingOutcomeNodes")
        .withIndex("by_agency_level_and_start", (q) => q.eq("agencyId", agencyId).eq("level", level).eq("start", start))
        .unique();
      const children = new Map((node?.children ?? []).map((c) => [c.slot, { completed: c.completed, noShow: c.noShow }]));
      for (const [slot, delta] of slots) {
        const old = children.get(slot) ?? { completed: 0, noShow: 0 };
        const sum = { completed: old.completed + delta.completed, noShow: old.noShow + delta.noShow };
        if (sum.completed === 0 && sum.noShow === 0) children.delete(slot);
        else children.set(slot, sum);
      }
      const rows = [...children].map(([slot, t]) => ({ slot, ...t }));
      if (!node) {
        if (rows.length > 0) await db.insert("meetingOutcomeNodes", { agencyId, level, start, children: rows });
      } else if (rows.length === 0) await db.delete("meetingOutcomeNodes", node._id);
      else await db.patch("meetingOutcomeNodes", node._id, { children: rows });
    }
    this.nodes.clear();
  }
}

/**
 * Makes the counters hold the meeting's status as it is now: at once, or with
 * `batch`'s flush. A meeting's time never changes once it has an outcome (only
 * booked meetings are rescheduled), so the counted slot is the meeting's time.
 */
export async function syncOutcome(db: DatabaseWriter, meeting: Doc<"meetings">, batch?: OutcomeBatch): Promise<void> {
  const now = outcomeOf(meeting.status);
  if (now === meeting.countedOutcome) return;
  const counters = batch ?? new OutcomeBatch();
  if (meeting.countedOutcome) counters.add(meeting.agencyId, meeting.meetingTime, tallyOf(meeting.countedOutcome), -1);
  if (now) counters.add(meeting.agencyId, meeting.meetingTime, tallyOf(now), 1);
  await db.patch("meetings", meeting._id, { countedOutcome: now });
  if (!batch) await counters.flush(db);
}

const rate = (n: number, of: number) => (of ? Math.round((n / of) * 10_000) / 10_000 : 0);

export function outcomesFromTally(t: OutcomeTally): MeetingOutcomes {
  const held = t.completed + t.noShow;
  return { ...t, completionRate: rate(t.completed, held), noShowRate: rate(t.noShow, held) };
}

/** Completed and no-show meetings whose time lies in [from, to). */
export async function readOutcomes(db: DatabaseReader, agencyId: Id<"agencies">, from: number, to: number): Promise<MeetingOutcomes> {
  const sum = { completed: 0, noShow: 0 };
  for (const slice of rangeSlices(from / UNIT_MS, to / UNIT_MS)) {
    const node = await db
      .query("meetingOutcomeNodes")
      .withIndex("by_agency_level_and_start", (q) => q.eq("agencyId", agencyId).eq("level", slice.level).eq("start", slice.start))
      .unique();
    for (const child of node?.children ?? []) {
      if (child.slot < slice.from || child.slot >= slice.to) continue;
      sum.completed += child.completed;
      sum.noShow += child.noShow;
    }
  }
  return outcomesFromTally(sum);
}

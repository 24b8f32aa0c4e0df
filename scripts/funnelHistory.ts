/**
 * An agency's call history for funnel benchmarks and tests, and the funnelNodes
 * the `calls` trigger would have written for it (tests/flows/staffViews/funnel.test.ts checks the
 * two agree on a history written through the real trigger). Building the nodes
 * in bulk is what lets 100,000 calls be set up in seconds.
 */
import { addTallies, EMPTY_TALLY, funnelTally, isEmptyTally, slotsOf, type FunnelCall, type FunnelTally } from "../convex/model/calls/funnel";
import type { CallOutcome } from "../convex/model/calls/outcomes";

export interface HistoryCall extends FunnelCall {
  dialAt: number;
}

const OUTCOMES: (CallOutcome | undefined)[] = ["booked", "rejected", "completed", "no_answer", "busy", "voicemail", "failed", undefined];

/**
 * `count` calls, one every `spacingMs` back from `end`, with a mix of outcomes
 * and costs; every 50th was refused by Vapi (never placed), every 97th is
 * inbound, and every 7th shares the dial time of the call before it (retries
 * due at the same 08:00).
 */
export function callHistory(count: number, end: number, spacingMs: number): HistoryCall[] {
  const calls: HistoryCall[] = [];
  for (let i = 0; i < count; i++) {
    const dialAt = end - Math.floor((i - (i % 7 === 1 ? 1 : 0)) * spacingMs) - 1;
    const placed = i % 50 !== 0;
    calls.push({
      direction: i % 97 === 0 ? "inbound" : "outbound",
      vapiCallId: placed ? `v-${i}` : undefined,
      outcome: placed ? OUTCOMES[(i * 5) % OUTCOMES.length] : "failed",
      cost: placed ? ((i * 37) % 100) / 1000 : undefined,
      dialAt,
    });
  }
  return calls;
}

/** The funnelNodes rows (without system fields) that count `calls` for `agencyId`. */
export function funnelNodesFor<A>(agencyId: A, calls: HistoryCall[]) {
  const nodes = new Map<string, { level: number; start: number; children: Map<number, FunnelTally> }>();
  for (const call of calls) {
    const tally = funnelTally(call);
    if (!tally) continue;
    for (const { level, start, slot } of slotsOf(call.dialAt)) {
      const key = `${level}:${start}`;
      const node = nodes.get(key) ?? { level, start, children: new Map() };
      nodes.set(key, node);
      node.children.set(slot, addTallies(node.children.get(slot) ?? EMPTY_TALLY, tally));
    }
  }
  return [...nodes.values()].map(({ level, start, children }) => ({
    agencyId,
    level,
    start,
    children: [...children.entries()].filter(([, t]) => !isEmptyTally(t)).map(([slot, t]) => ({ slot, ...t })),
  }));
}

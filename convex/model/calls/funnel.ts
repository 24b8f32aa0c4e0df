import { isConnectedOutcome, isUnreachedOutcome, type CallOutcome } from "./outcomes";

export interface FunnelCall {
  direction: "outbound" | "inbound";
  vapiCallId?: string;
  outcome?: CallOutcome;
  cost?: number;
}

export interface Funnel {
  /** Outbound calls Vapi accepted (scheduled, cancelled and refused dials are not placed). */
  placed: number;
  /** A conversation happened: completed, booked or rejected. */
  connected: number;
  booked: number;
  rejected: number;
  /** Not reached: no answer, busy or voicemail. */
  noAnswer: number;
  /** booked / placed; 0 when nothing was placed. */
  bookingRate: number;
  /** Vapi cost of the placed calls, in USD. */
  cost: number;
  /** cost / booked; null when nothing was booked. */
  costPerBookedMeeting: number | null;
}

/**
 * What calls add to the funnel. Cost is kept in whole micro-dollars so that
 * counters raised and lowered many times never drift the way float sums do.
 */
export interface FunnelTally {
  placed: number;
  connected: number;
  booked: number;
  rejected: number;
  noAnswer: number;
  costMicros: number;
}

export const EMPTY_TALLY: FunnelTally = { placed: 0, connected: 0, booked: 0, rejected: 0, noAnswer: 0, costMicros: 0 };

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** One call's share of the funnel; null when it was never placed (or is inbound). */
export function funnelTally(call: FunnelCall): FunnelTally | null {
  if (call.direction !== "outbound" || call.vapiCallId === undefined) return null;
  const o = call.outcome;
  return {
    placed: 1,
    connected: isConnectedOutcome(o) ? 1 : 0,
    booked: o === "booked" ? 1 : 0,
    rejected: o === "rejected" ? 1 : 0,
    noAnswer: isUnreachedOutcome(o) ? 1 : 0,
    costMicros: Math.round((call.cost ?? 0) * 1e6),
  };
}

export function addTallies(a: FunnelTally, b: FunnelTally, sign: 1 | -1 = 1): FunnelTally {
  return {
    placed: a.placed + sign * b.placed,
    connected: a.connected + sign * b.connected,
    booked: a.booked + sign * b.booked,
    rejected: a.rejected + sign * b.rejected,
    noAnswer: a.noAnswer + sign * b.noAnswer,
    costMicros: a.costMicros + sign * b.costMicros,
  };
}

export function isEmptyTally(t: FunnelTally): boolean {
  return Object.values(t).every((n) => n === 0);
}

export function sameTally(a: FunnelTally | null, b: FunnelTally | null): boolean {
  if (a === null || b === null) return a === b;
  return isEmptyTally(addTallies(a, b, -1));
}

type PlacedCall = FunnelCall & { agencyId: string; dialAt: number };

/** Whether a write from `before` to `after` (null: absent) leaves the call's share of the funnel as it was. */
export function sameFunnelShare(before: PlacedCall | null, after: PlacedCall | null): boolean {
  const a = before && funnelTally(before);
  const b = after && funnelTally(after);
  if (!a || !b) return !a && !b;
  return sameTally(a, b) && before!.agencyId === after!.agencyId && before!.dialAt === after!.dialAt;
}

export function funnelFromTally(t: FunnelTally): Funnel {
  const cost = t.costMicros / 1e6;
  return {
    placed: t.placed,
    connected: t.connected,
    booked: t.booked,
    rejected: t.rejected,
    noAnswer: t.noAnswer,
    bookingRate: t.placed ? round(t.booked / t.placed, 4) : 0,
    cost: round(cost, 4),
    costPerBookedMeeting: t.booked ? round(cost / t.booked, 4) : null,
  };
}

/** What the funnel's booked meetings are worth, given what one is worth to the agency. */
export interface FunnelValue {
  /** meetingValue x booked, in the agency's currency; null when the agency set no meetingValue. */
  pipelineValue: number | null;
  /** (pipelineValue - cost) / cost: what each unit spent on Vapi returned; null without a value or a cost. */
  roi: number | null;
}

export function funnelValue(f: Pick<Funnel, "booked" | "cost">, meetingValue: number | undefined): FunnelValue {
  if (meetingValue === undefined) return { pipelineValue: null, roi: null };
  const pipelineValue = round(meetingValue * f.booked, 2);
  return { pipelineValue, roi: f.cost > 0 ? round((pipelineValue - f.cost) / f.cost, 4) : null };
}

export function funnelCounts(calls: FunnelCall[]): Funnel {
  return funnelFromTally(
    calls.reduce((sum, c) => {
      const t = funnelTally(c);
      return t ? addTallies(sum, t) : sum;
    }, EMPTY_TALLY),
  );
}

/**
 * Funnel counters form a tree over dial time (UTC ms) per agency. A node of
 * level l (1..LEVELS) spans 2^(6l) ms and keeps the tallies of its 64 children
 * (2^(6(l-1)) ms each; level 1's children are single milliseconds), only the
 * non-empty ones. Any [from, to) is covered by the children of at most two
 * nodes per level, so the funnel reads at most 2 x LEVELS documents whatever
 * the agency's history, its call rate or the range's length; a call's change
 * rewrites one node per level. The top node (2^42 ms, ~139 years) holds every
 * dial time since 1970.
 */
export const FANOUT_BITS = 6;
export const LEVELS = 7;

const span = (level: number) => 2 ** (FANOUT_BITS * level);
const floorTo = (t: number, s: number) => Math.floor(t / s) * s;
const ceilTo = (t: number, s: number) => Math.ceil(t / s) * s;

/** Child slots [from, to) of the node of `level` starting at `start`. */
export interface NodeSlice {
  level: number;
  start: number;
  from: number;
  to: number;
}

/** The node and child slot, at every level, that count a call dialled at `dialAt` (whole ms). */
export function slotsOf(dialAt: number): { level: number; start: number; slot: number }[] {
  const out = [];
  for (let level = 1; level <= LEVELS; level++) {
    const start = floorTo(dialAt, span(level));
    out.push({ level, start, slot: Math.floor((dialAt - start) / span(level - 1)) });
  }
  return out;
}

/**
 * The node slices whose tallies add up to exactly the calls dialled in
 * [from, to): whole big children in the middle, small ones at the edges.
 * Dial times are whole milliseconds, so [from, to) is [ceil(from), ceil(to)).
 */
export function rangeSlices(from: number, to: number): NodeSlice[] {
  // Every dial time lies in the top node, [0, 2^42): nothing outside it to count.
  const clamp = (t: number) => Math.min(Math.max(Math.ceil(t), 0), span(LEVELS));
  let lo = clamp(from);
  let hi = clamp(to);
  const slices: NodeSlice[] = [];
  // [a, b) lies inside one node of `level` and is aligned to its children.
  const add = (level: number, a: number, b: number) => {
    if (a >= b) return;
    const start = floorTo(a, span(level));
    const child = span(level - 1);
    slices.push({ level, start, from: (a - start) / child, to: (b - start) / child });
  };
  for (let level = 1; level < LEVELS; level++) {
    const innerLo = ceilTo(lo, span(level));
    const innerHi = floorTo(hi, span(level));
    if (innerLo >= innerHi) {
      // No whole node inside: the range touches at most two nodes of this level.
      add(level, lo, Math.min(innerLo, hi));
      add(level, Math.max(innerLo, lo), hi);
      return slices;
    }
    add(level, lo, innerLo);
    add(level, innerHi, hi);
    lo = innerLo;
    hi = innerHi;
  }
  add(LEVELS, lo, hi);
  return slices;
}

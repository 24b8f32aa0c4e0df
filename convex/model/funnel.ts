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

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

export function funnelCounts(calls: FunnelCall[]): Funnel {
  const placed = calls.filter((c) => c.direction === "outbound" && c.vapiCallId !== undefined);
  const count = (pred: (o: CallOutcome | undefined) => boolean) => placed.filter((c) => pred(c.outcome)).length;
  const booked = count((o) => o === "booked");
  const cost = placed.reduce((sum, c) => sum + (c.cost ?? 0), 0);
  return {
    placed: placed.length,
    connected: count(isConnectedOutcome),
    booked,
    rejected: count((o) => o === "rejected"),
    noAnswer: count(isUnreachedOutcome),
    bookingRate: placed.length ? round(booked / placed.length, 4) : 0,
    cost: round(cost, 4),
    costPerBookedMeeting: booked ? round(cost / booked, 4) : null,
  };
}

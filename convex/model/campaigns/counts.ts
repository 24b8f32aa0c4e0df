/**
 * Campaign members' states and the counters kept with every change, so a
 * campaign's status is one document read whatever its size.
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "../../_generated/dataModel";

export const campaignStatus = v.union(v.literal("draft"), v.literal("running"), v.literal("paused"));
export type CampaignStatus = Infer<typeof campaignStatus>;

/** Why a member was not dialled: the prospect was already settled or already being called. */
export const SKIP_REASONS = ["booked", "rejected", "opted_out", "in_flight", "no_free_slots"] as const;
export const skipReason = v.union(...SKIP_REASONS.map((r) => v.literal(r)));
export type SkipReason = Infer<typeof skipReason>;

/**
 * Stored states. `pending` (not yet handed to the gate) and `queued` (waiting at
 * the gate for a line) are reported as `waiting`, like an attempt waiting to dial.
 */
export const MEMBER_STATES = [
  "pending",
  "queued",
  "waiting",
  "dialling",
  "live",
  "reached",
  "booked",
  "rejected",
  "no_answer",
  "opted_out",
  "failed",
  "skipped",
] as const;
export const memberState = v.union(...MEMBER_STATES.map((s) => v.literal(s)));
export type MemberState = Infer<typeof memberState>;

const n = v.number();
export const campaignCounts = v.object({
  pending: n,
  queued: n,
  waiting: n,
  dialling: n,
  live: n,
  reached: n,
  booked: n,
  rejected: n,
  no_answer: n,
  opted_out: n,
  failed: n,
  skipped: n,
  skippedBy: v.object({ booked: n, rejected: n, opted_out: n, in_flight: n, no_free_slots: n }),
});
export type CampaignCounts = Infer<typeof campaignCounts>;

export function emptyCounts(): CampaignCounts {
  return {
    ...(Object.fromEntries(MEMBER_STATES.map((s) => [s, 0])) as Record<MemberState, number>),
    skippedBy: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>,
  };
}

/** The counts after one member moves; a skip counts its reason too. */
export function countMove(counts: CampaignCounts, from: MemberState | null, to: MemberState, reason?: SkipReason): CampaignCounts {
  const next = { ...counts, skippedBy: { ...counts.skippedBy } };
  if (from !== null) next[from]--;
  next[to]++;
  if (to === "skipped" && reason) next.skippedBy[reason]++;
  return next;
}

/** What staff see: `waiting` covers members not yet dialled, for whatever reason. */
export function publicCounts(c: CampaignCounts) {
  return {
    waiting: c.pending + c.queued + c.waiting,
    dialling: c.dialling,
    live: c.live,
    reached: c.reached,
    booked: c.booked,
    rejected: c.rejected,
    no_answer: c.no_answer,
    opted_out: c.opted_out,
    failed: c.failed,
    skipped: c.skipped,
    skippedBy: c.skippedBy,
    total: MEMBER_STATES.reduce((sum, s) => sum + c[s], 0),
  };
}

/**
 * The member's state as its current attempt shows it, or null when the attempt
 * says nothing new (ended, its outcome still to come from the report).
 * A cancelled attempt is read with its prospect: opted out, booked or rejected
 * elsewhere; cancelled by a pause, the member waits again.
 */
export function stateForCall(
  call: Pick<Doc<"calls">, "status" | "outcome">,
  context: { campaignStatus: CampaignStatus; opportunity: Pick<Doc<"opportunities">, "status" | "doNotCall"> | null },
): MemberState | null {
  switch (call.status) {
    case "scheduled":
      return "waiting";
    case "queued":
    case "ringing":
      return "dialling";
    case "in-progress":
    case "forwarding":
      return "live";
    case "failed":
      return "failed";
    case "ended":
      return stateForOutcome(call.outcome);
    case "cancelled": {
      const o = context.opportunity;
      if (o?.doNotCall) return "opted_out";
      if (o?.status === "Booked") return "booked";
      if (o?.status === "Rejected") return "rejected";
      return context.campaignStatus === "paused" ? "pending" : "failed";
    }
  }
}

function stateForOutcome(outcome: Doc<"calls">["outcome"]): MemberState | null {
  switch (outcome) {
    case undefined:
      return null;
    case "booked":
      return "booked";
    case "rejected":
      return "rejected";
    case "completed":
      return "reached";
    case "no_answer":
    case "busy":
    case "voicemail":
      return "no_answer";
    case "failed":
      return "failed";
  }
}

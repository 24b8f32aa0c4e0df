/**
 * Campaign members: added in bounded batches, handed to the pacing gate in
 * bounded batches, each given its call only when a line frees, and moved
 * between states with the campaign's counters in the same write.
 */
import type { MutationCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { nextCallingMoment } from "../scheduling/callingHours";
import { callingZones } from "../calls/offer";
import { callInFlight, insertAttempt } from "../calls/attempts";
import { enqueueDial } from "../calls/dialGate";
import { internal } from "../../_generated/api";
import { logEvent } from "../log";
import { countMove, stateForCall, type CampaignCounts, type MemberState, type SkipReason } from "./counts";

/** Members written per transaction when adding (2 reads and 1 write each). */
export const ADD_BATCH = 500;
/** Members handed to the gate per transaction (about 25 reads each: the prospect and their recent calls). */
export const FAN_OUT_BATCH = 100;

type Move = { from: MemberState | null; to: MemberState; reason?: SkipReason };

/** Applies member moves to the campaign's counters in one write. */
async function countMoves(ctx: MutationCtx, campaignId: Id<"campaigns">, moves: Move[]): Promise<void> {
  if (moves.length === 0) return;
  const campaign = await ctx.db.get("campaigns", campaignId);
  if (!campaign) return;
  let counts: CampaignCounts = campaign.counts;
  for (const m of moves) counts = countMove(counts, m.from, m.to, m.reason);
  await ctx.db.patch("campaigns", campaignId, { counts });
}

/** Moves one member and its campaign's counters together. */
export async function moveMember(
  ctx: MutationCtx,
  member: Doc<"campaignMembers">,
  to: MemberState,
  fields: { callId?: Id<"calls">; skipReason?: SkipReason } = {},
): Promise<void> {
  await ctx.db.patch("campaignMembers", member._id, { state: to, ...fields });
  if (member.state !== to) await countMoves(ctx, member.campaignId, [{ from: member.state, to, reason: fields.skipReason }]);
}

/** Adds prospects of the campaign's agency (at most ADD_BATCH); repeats and other agencies' prospects are not added. */
export async function addMemberBatch(ctx: MutationCtx, campaign: Doc<"campaigns">, opportunityIds: Id<"opportunities">[]) {
  const result = { added: 0, duplicate: 0, notInAgency: 0 };
  for (const opportunityId of opportunityIds) {
    const opportunity = await ctx.db.get("opportunities", opportunityId);
    if (opportunity?.agencyId !== campaign.agencyId) {
      result.notInAgency++;
      continue;
    }
    const existing = await ctx.db
      .query("campaignMembers")
      .withIndex("by_campaign_and_opportunity", (q) => q.eq("campaignId", campaign._id).eq("opportunityId", opportunityId))
      .first();
    if (existing) {
      result.duplicate++;
      continue;
    }
    await ctx.db.insert("campaignMembers", { campaignId: campaign._id, opportunityId, state: "pending" });
    result.added++;
  }
  await countMoves(ctx, campaign._id, Array.from({ length: result.added }, () => ({ from: null, to: "pending" as const })));
  logEvent("campaign.members_added", { campaignId: campaign._id, ...result });
  return result;
}

/** Why this prospect is not dialled now, or null. */
export async function skipReasonFor(ctx: MutationCtx, opportunity: Doc<"opportunities">): Promise<SkipReason | null> {
  if (opportunity.doNotCall) return "opted_out";
  if (opportunity.status === "Booked") return "booked";
  if (opportunity.status === "Rejected") return "rejected";
  if (await callInFlight(ctx, opportunity._id)) return "in_flight";
  return null;
}

/**
 * Hands up to FAN_OUT_BATCH pending members to the gate, each due at its own
 * next calling moment, or skips them with the reason. Returns how many it looked at.
 */
export async function fanOutBatch(ctx: MutationCtx, campaign: Doc<"campaigns">): Promise<number> {
  const members = await ctx.db
    .query("campaignMembers")
    .withIndex("by_campaign_and_state", (q) => q.eq("campaignId", campaign._id).eq("state", "pending"))
    .take(FAN_OUT_BATCH);
  const agency = await ctx.db.get("agencies", campaign.agencyId);
  if (!agency) return 0;
  const now = Date.now();
  const moves: Move[] = [];
  for (const member of members) {
    const opportunity = await ctx.db.get("opportunities", member.opportunityId);
    // A prospect no longer there is skipped without a reason to count.
    const reason = opportunity ? ((await skipReasonFor(ctx, opportunity)) ?? undefined) : undefined;
    if (reason || !opportunity) {
      await ctx.db.patch("campaignMembers", member._id, { state: "skipped", skipReason: reason });
      moves.push({ from: "pending", to: "skipped", reason });
      continue;
    }
    const dueAt = nextCallingMoment(now, callingZones(agency, opportunity));
    await enqueueDial(ctx, { kind: "campaignMember", memberId: member._id }, { dueAt });
    await ctx.db.patch("campaignMembers", member._id, { state: "queued" });
    moves.push({ from: "pending", to: "queued" });
  }
  await countMoves(ctx, campaign._id, moves);
  return members.length;
}

/** A dial may be a moment early (timer rounding): not a dial outside calling hours. */
const EARLY_TOLERANCE_MS = 60_000;

/**
 * A line is free for this member: its call is created and dialled now, holding
 * the line. A paused campaign's member waits again (pending); a prospect settled
 * or called since is skipped with the reason; one outside calling hours (its zone
 * corrected since) waits at the gate again.
 */
export async function grantMember(ctx: MutationCtx, memberId: Id<"campaignMembers">): Promise<Id<"calls"> | null> {
  const member = await ctx.db.get("campaignMembers", memberId);
  if (member?.state !== "queued") return null;
  const campaign = await ctx.db.get("campaigns", member.campaignId);
  if (campaign?.status !== "running") {
    await moveMember(ctx, member, "pending");
    return null;
  }
  const opportunity = await ctx.db.get("opportunities", member.opportunityId);
  const agency = await ctx.db.get("agencies", campaign.agencyId);
  const reason = opportunity ? ((await skipReasonFor(ctx, opportunity)) ?? undefined) : undefined;
  if (reason || !opportunity || !agency) {
    await moveMember(ctx, member, "skipped", { skipReason: reason });
    return null;
  }
  const now = Date.now();
  const dueAt = nextCallingMoment(now, callingZones(agency, opportunity));
  if (dueAt - now > EARLY_TOLERANCE_MS) {
    await enqueueDial(ctx, { kind: "campaignMember", memberId }, { dueAt });
    return null;
  }
  let callId: Id<"calls">;
  try {
    callId = await insertAttempt(ctx, agency, opportunity, now, { campaignMemberId: memberId });
  } catch (e) {
    // No free slot to offer (prepareOffer): nothing to say on a call, so it is not placed.
    logEvent("campaign.member_skipped", { memberId, reason: "no_free_slots", error: e instanceof Error ? e.name : "unknown" });
    await moveMember(ctx, member, "skipped", { skipReason: "no_free_slots" });
    return null;
  }
  await ctx.scheduler.runAfter(0, internal.vapi.startPhoneCall, { callId });
  return callId;
}

/** The campaign of this call is paused: it must not dial now. */
export async function campaignPausedFor(ctx: MutationCtx, call: Doc<"calls">): Promise<boolean> {
  if (!call.campaignMemberId) return false;
  const member = await ctx.db.get("campaignMembers", call.campaignMemberId);
  const campaign = member && (await ctx.db.get("campaigns", member.campaignId));
  return campaign?.status === "paused";
}

/**
 * Keeps a member's state with its current attempt (the calls trigger). A new
 * attempt (a retry) takes over; a withdrawn retry hands back to the attempt it
 * followed; changes to an older attempt leave the member as it is.
 */
export async function syncMemberWithCall(ctx: MutationCtx, before: Doc<"calls"> | null, call: Doc<"calls">): Promise<void> {
  if (!call.campaignMemberId) return;
  const member = await ctx.db.get("campaignMembers", call.campaignMemberId);
  if (!member) return;
  const current = member.callId === call._id;
  const takesOver = before === null || (before.retryCallId !== undefined && before.retryCallId === member.callId && call.retryCallId === undefined);
  if (!current && !takesOver) return;
  const campaign = await ctx.db.get("campaigns", member.campaignId);
  if (!campaign) return;
  const opportunity = call.status === "cancelled" ? await ctx.db.get("opportunities", call.opportunityId) : null;
  const to = stateForCall(call, { campaignStatus: campaign.status, opportunity });
  if (to === null) {
    if (!current) await ctx.db.patch("campaignMembers", member._id, { callId: call._id });
    return;
  }
  // Cancelled by a pause: the member waits again for a fresh call on resume.
  await moveMember(ctx, member, to, { callId: to === "pending" ? undefined : call._id });
}

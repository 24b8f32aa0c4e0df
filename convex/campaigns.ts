/**
 * Campaigns: a list of an agency's prospects dialled through the pacing gate,
 * each inside their own calling hours. Staff create one (adding more members in
 * further calls when a list is longer than one argument array), start, pause,
 * resume, and read exact counts by state at the cost of one document.
 */
import { ConvexError, v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { campaignStatus, emptyCounts, publicCounts, type CampaignStatus } from "./model/campaigns/counts";
import { ADD_BATCH, addMemberBatch, FAN_OUT_BATCH, fanOutBatch } from "./model/campaigns/members";
import { logEvent } from "./model/log";

/** Convex's cap on array arguments: a longer list is added in several addMembers calls. */
export const MAX_IDS_PER_CALL = 8192;
const MAX_NAME_CHARS = 200;

const addResult = v.object({ added: v.number(), duplicate: v.number(), notInAgency: v.number(), scheduledBatches: v.number() });

async function campaignOrThrow(ctx: MutationCtx, campaignId: Id<"campaigns">): Promise<Doc<"campaigns">> {
  const campaign = await ctx.db.get("campaigns", campaignId);
  if (!campaign) throw new ConvexError(`campaign ${campaignId} not found`);
  return campaign;
}

/** The first batch now; the rest in scheduled batches of ADD_BATCH, so no transaction nears Convex's limits. */
async function addToCampaign(ctx: MutationCtx, campaign: Doc<"campaigns">, opportunityIds: Id<"opportunities">[]) {
  if (opportunityIds.length > MAX_IDS_PER_CALL) {
    throw new ConvexError(`opportunityIds has more than ${MAX_IDS_PER_CALL} ids: add the rest with campaigns.addMembers`);
  }
  const first = await addMemberBatch(ctx, campaign, opportunityIds.slice(0, ADD_BATCH));
  let scheduledBatches = 0;
  for (let i = ADD_BATCH; i < opportunityIds.length; i += ADD_BATCH) {
    await ctx.scheduler.runAfter(0, internal.campaigns.addMemberSlice, {
      campaignId: campaign._id,
      opportunityIds: opportunityIds.slice(i, i + ADD_BATCH),
    });
    scheduledBatches++;
  }
  // Members added to a running campaign are dialled like the others.
  if (campaign.status === "running" && first.added > 0) await ctx.scheduler.runAfter(0, internal.campaigns.fanOut, { campaignId: campaign._id });
  return { ...first, scheduledBatches };
}

export const create = internalMutation({
  args: { agencyId: v.id("agencies"), name: v.string(), opportunityIds: v.array(v.id("opportunities")) },
  returns: v.id("campaigns"),
  handler: async (ctx, { agencyId, name, opportunityIds }) => {
    const trimmed = name.trim();
    if (trimmed === "" || trimmed.length > MAX_NAME_CHARS) throw new ConvexError(`name must be 1 to ${MAX_NAME_CHARS} characters`);
    if (!(await ctx.db.get("agencies", agencyId))) throw new ConvexError(`agency ${agencyId} not found`);
    const campaignId = await ctx.db.insert("campaigns", {
      agencyId,
      name: trimmed,
      status: "draft",
      counts: emptyCounts(),
      createdAt: Date.now(),
    });
    const added = await addToCampaign(ctx, (await ctx.db.get("campaigns", campaignId))!, opportunityIds);
    logEvent("campaign.created", { campaignId, agencyId, ids: opportunityIds.length, scheduledBatches: added.scheduledBatches });
    return campaignId;
  },
});

/** More prospects for a campaign (a list longer than MAX_IDS_PER_CALL is sent in several calls). */
export const addMembers = internalMutation({
  args: { campaignId: v.id("campaigns"), opportunityIds: v.array(v.id("opportunities")) },
  returns: addResult,
  handler: async (ctx, { campaignId, opportunityIds }) => await addToCampaign(ctx, await campaignOrThrow(ctx, campaignId), opportunityIds),
});

export const addMemberSlice = internalMutation({
  args: { campaignId: v.id("campaigns"), opportunityIds: v.array(v.id("opportunities")) },
  returns: v.null(),
  handler: async (ctx, { campaignId, opportunityIds }) => {
    const campaign = await ctx.db.get("campaigns", campaignId);
    if (!campaign) return null;
    const { added } = await addMemberBatch(ctx, campaign, opportunityIds);
    if (campaign.status === "running" && added > 0) await ctx.scheduler.runAfter(0, internal.campaigns.fanOut, { campaignId });
    return null;
  },
});

/** Hands the next batch of waiting members to the pacing gate; continues itself while the campaign runs. */
export const fanOut = internalMutation({
  args: { campaignId: v.id("campaigns") },
  returns: v.number(),
  handler: async (ctx, { campaignId }) => {
    const campaign = await ctx.db.get("campaigns", campaignId);
    if (campaign?.status !== "running") return 0;
    const looked = await fanOutBatch(ctx, campaign);
    if (looked === FAN_OUT_BATCH) await ctx.scheduler.runAfter(0, internal.campaigns.fanOut, { campaignId });
    return looked;
  },
});

async function moveTo(ctx: MutationCtx, campaignId: Id<"campaigns">, from: CampaignStatus, to: CampaignStatus, verb: string) {
  const campaign = await campaignOrThrow(ctx, campaignId);
  if (campaign.status !== from) throw new ConvexError(`campaign ${campaignId} is ${campaign.status}: only a ${from} campaign can be ${verb}`);
  const now = Date.now();
  await ctx.db.patch("campaigns", campaignId, { status: to, ...(to === "running" ? { startedAt: campaign.startedAt ?? now } : { pausedAt: now }) });
  if (to === "running") await ctx.scheduler.runAfter(0, internal.campaigns.fanOut, { campaignId });
  logEvent(`campaign.${verb}`, { campaignId });
  return null;
}

/** Dials every eligible member through the gate, inside each prospect's calling hours; the rest are skipped with the reason. */
export const start = internalMutation({
  args: { campaignId: v.id("campaigns") },
  returns: v.null(),
  handler: async (ctx, { campaignId }) => await moveTo(ctx, campaignId, "draft", "running", "started"),
});

/** Stops new dials at once (a dial the gate hands out while paused waits again); live calls continue. */
export const pause = internalMutation({
  args: { campaignId: v.id("campaigns") },
  returns: v.null(),
  handler: async (ctx, { campaignId }) => await moveTo(ctx, campaignId, "running", "paused", "paused"),
});

/** Continues a paused campaign: members that waited (or were turned away while paused) are dialled again. */
export const resume = internalMutation({
  args: { campaignId: v.id("campaigns") },
  returns: v.null(),
  handler: async (ctx, { campaignId }) => await moveTo(ctx, campaignId, "paused", "running", "resumed"),
});

const count = v.number();

/** Exact counts by state, read from the counters kept with every call write. */
export const status = internalQuery({
  args: { campaignId: v.id("campaigns") },
  returns: v.object({
    campaignId: v.id("campaigns"),
    name: v.string(),
    status: campaignStatus,
    waiting: count,
    dialling: count,
    live: count,
    reached: count,
    booked: count,
    rejected: count,
    no_answer: count,
    opted_out: count,
    failed: count,
    skipped: count,
    skippedBy: v.object({ booked: count, rejected: count, opted_out: count, in_flight: count, no_free_slots: count }),
    total: count,
  }),
  handler: async (ctx, { campaignId }) => {
    const campaign = await ctx.db.get("campaigns", campaignId);
    if (!campaign) throw new ConvexError(`campaign ${campaignId} not found`);
    return { campaignId, name: campaign.name, status: campaign.status, ...publicCounts(campaign.counts) };
  },
});

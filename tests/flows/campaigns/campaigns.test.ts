/**
 * Campaigns: start dials every eligible member through the gate, inside each
 * prospect's calling hours, skipping (with the reason) the settled and the
 * already called; pause stops new dials at once; resume continues; the counts
 * are exact at every step.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { endCall, expectWithinLines, prospects, runDueNow, withOutboundLines } from "../../helpers/pacing";
import { addProspect, type Backend, getCall, rows, runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

const STATES = ["waiting", "dialling", "live", "reached", "booked", "rejected", "no_answer", "opted_out", "failed"] as const;

async function status(t: Backend, campaignId: Id<"campaigns">) {
  return await t.query(internal.campaigns.status, { campaignId });
}

/** The counts recomputed the slow way, from every member and its call: status must always agree. */
async function recount(t: Backend, campaignId: Id<"campaigns">) {
  const members = (await rows(t, "campaignMembers")).filter((m) => m.campaignId === campaignId);
  const counts: Record<string, number> = Object.fromEntries([...STATES, "skipped"].map((s) => [s, 0]));
  for (const m of members) counts[m.state === "pending" || m.state === "queued" ? "waiting" : m.state]++;
  return counts;
}

async function expectExactCounts(t: Backend, campaignId: Id<"campaigns">, expected: Partial<Record<(typeof STATES)[number] | "skipped", number>>) {
  const s = await status(t, campaignId);
  const all = Object.fromEntries([...STATES, "skipped"].map((k) => [k, expected[k as keyof typeof expected] ?? 0]));
  expect(Object.fromEntries([...STATES, "skipped"].map((k) => [k, s[k as keyof typeof s]]))).toEqual(all);
  expect(await recount(t, campaignId)).toEqual(all);
  return s;
}

async function memberCall(t: Backend, campaignId: Id<"campaigns">, opportunityId: Id<"opportunities">) {
  const member = (await rows(t, "campaignMembers")).find((m) => m.campaignId === campaignId && m.opportunityId === opportunityId)!;
  return member.callId ? await getCall(t, member.callId) : null;
}

describe("campaigns", () => {
  test("start dials the eligible through the gate and skips the booked, rejected, opted-out and in-flight, saying why", async () => {
    const { t, world, agencyId } = await setupWorld({ agency: { maxAttempts: 1 } });
    withOutboundLines(2);
    const [a, b, c, booked, rejected, optedOut, inFlight] = await prospects(t, agencyId, 7);
    await t.run(async (ctx) => {
      await ctx.db.patch("opportunities", booked, { status: "Booked" });
      await ctx.db.patch("opportunities", rejected, { status: "Rejected" });
      await ctx.db.patch("opportunities", optedOut, { doNotCall: true });
    });
    await t.mutation(internal.calls.startCall, { opportunityId: inFlight });
    await runScheduled(t);
    const campaignId = await t.mutation(internal.campaigns.create, {
      agencyId,
      name: "November reactivation",
      opportunityIds: [a, b, c, booked, rejected, optedOut, inFlight, a],
    });
    await expectExactCounts(t, campaignId, { waiting: 7 });
    await t.mutation(internal.campaigns.start, { campaignId });
    await runScheduled(t);

    // One line is the in-flight prospect's own call: the campaign gets the other.
    expect(world.vapiCreates).toHaveLength(2);
    const s = await expectExactCounts(t, campaignId, { dialling: 1, waiting: 2, skipped: 4 });
    expect(s.skippedBy).toEqual({ booked: 1, rejected: 1, opted_out: 1, in_flight: 1, no_free_slots: 0 });
    expect(s.status).toBe("running");
    const skipped = (await rows(t, "campaignMembers")).filter((m) => m.state === "skipped");
    expect(skipped.map((m) => m.skipReason).sort()).toEqual(["booked", "in_flight", "opted_out", "rejected"]);

    // The prospect called outside the campaign hangs up: the line goes to the next member.
    const [own] = (await rows(t, "calls")).filter((call) => call.opportunityId === inFlight);
    await endCall(t, own, "customer-ended-call");
    await runScheduled(t);
    await expectExactCounts(t, campaignId, { dialling: 2, waiting: 1, skipped: 4 });

    const first = (await memberCall(t, campaignId, a))!;
    await endCall(t, first, "customer-ended-call");
    await endCall(t, (await memberCall(t, campaignId, b))!, "customer-did-not-answer");
    await runScheduled(t);
    await expectExactCounts(t, campaignId, { reached: 1, no_answer: 1, dialling: 1, skipped: 4 });
    await endCall(t, (await memberCall(t, campaignId, c))!, "pipeline-error-openai-llm-failed");
    await runScheduled(t);
    await expectExactCounts(t, campaignId, { reached: 1, no_answer: 1, failed: 1, skipped: 4 });
    expect(world.vapiCreates).toHaveLength(4);
  });

  test("each prospect is dialled inside their own calling hours", async () => {
    // Monday 09:00 New York = 06:00 Los Angeles.
    const now = Date.parse("2026-11-23T14:00:00Z");
    const { t, world, agencyId } = await setupWorld({ now });
    const newYork = await addProspect(t, agencyId, "Nia", "+12125550199");
    const losAngeles = await addProspect(t, agencyId, "Leo", "+12125550198", { timeZone: "America/Los_Angeles" });
    const campaignId = await t.mutation(internal.campaigns.create, { agencyId, name: "Coast to coast", opportunityIds: [losAngeles, newYork] });
    await t.mutation(internal.campaigns.start, { campaignId });
    // Step by step (runScheduled would fire every timer at once, moving the clock to the last).
    await runDueNow(t);
    const dialled = () => world.vapiCreates.map((r) => [r.at, (r.body as { customer: { number: string } }).customer.number]);
    expect(dialled()).toEqual([[now, "+12125550199"]]);
    vi.advanceTimersByTime(2 * 3_600_000 - 1000);
    await runDueNow(t);
    expect(dialled()).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    await runDueNow(t);
    expect(dialled()).toEqual([
      [now, "+12125550199"],
      [Date.parse("2026-11-23T16:00:00Z"), "+12125550198"],
    ]);
  });

  test("pause stops new dials at once while live calls go on; resume continues", async () => {
    const { t, world, agencyId } = await setupWorld({ agency: { maxAttempts: 1 } });
    withOutboundLines(1);
    const ids = await prospects(t, agencyId, 3);
    const campaignId = await t.mutation(internal.campaigns.create, { agencyId, name: "Paced", opportunityIds: ids });
    await t.mutation(internal.campaigns.start, { campaignId });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);

    await t.mutation(internal.campaigns.pause, { campaignId });
    const live = (await memberCall(t, campaignId, ids[0]))!;
    expect(live.status).toBe("queued");
    await endCall(t, live, "customer-ended-call");
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);
    expect(await rows(t, "dialLines")).toHaveLength(0);
    await expectExactCounts(t, campaignId, { reached: 1, waiting: 2 });
    expect((await status(t, campaignId)).status).toBe("paused");
    await expect(t.mutation(internal.campaigns.pause, { campaignId })).rejects.toThrow(/paused: only a running campaign can be paused/);

    await t.mutation(internal.campaigns.resume, { campaignId });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(2);
    await expectExactCounts(t, campaignId, { reached: 1, dialling: 1, waiting: 1 });
    await expectWithinLines(t, 1);
  });

  test("a pause between a member's line and its dial: the call is withdrawn and the member waits for resume", async () => {
    const { t, world, agencyId } = await setupWorld();
    const [a] = await prospects(t, agencyId, 1);
    const campaignId = await t.mutation(internal.campaigns.create, { agencyId, name: "Quick pause", opportunityIds: [a] });
    await t.mutation(internal.campaigns.start, { campaignId });
    await t.mutation(internal.campaigns.fanOut, { campaignId });
    // The gate gives the member its line and call; the dial has not run yet.
    await t.mutation(internal.dialGate.pump, {});
    await expectExactCounts(t, campaignId, { waiting: 1 });
    await t.mutation(internal.campaigns.pause, { campaignId });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(0);
    expect(await rows(t, "dialLines")).toHaveLength(0);
    await expectExactCounts(t, campaignId, { waiting: 1 });

    await t.mutation(internal.campaigns.resume, { campaignId });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);
    await expectExactCounts(t, campaignId, { dialling: 1 });
  });

  test("an unanswered member's retry follows it through the gate; the counts follow the retry", async () => {
    const { t, world, agencyId } = await setupWorld({ agency: { maxAttempts: 2, retryDelayMinutes: 5 } });
    const [a] = await prospects(t, agencyId, 1);
    const campaignId = await t.mutation(internal.campaigns.create, { agencyId, name: "Retries", opportunityIds: [a] });
    await t.mutation(internal.campaigns.start, { campaignId });
    await runScheduled(t);
    const first = (await memberCall(t, campaignId, a))!;
    await endCall(t, first, "customer-did-not-answer");
    await expectExactCounts(t, campaignId, { waiting: 1 });
    expect((await memberCall(t, campaignId, a))!.attempt).toBe(2);

    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(2);
    await expectExactCounts(t, campaignId, { dialling: 1 });
    await endCall(t, (await memberCall(t, campaignId, a))!, "customer-busy");
    await expectExactCounts(t, campaignId, { no_answer: 1 });
  });

  test("a list longer than one batch is added in bounded transactions, and one over the array cap is refused by name", async () => {
    const { t, agencyId } = await setupWorld({ transactionLimits: true });
    const ids = await prospects(t, agencyId, 700);
    const campaignId = await t.mutation(internal.campaigns.create, { agencyId, name: "Big list", opportunityIds: ids.slice(0, 150) });
    // 600 ids: the first 500 now (50 already members), the last 100 in a scheduled batch.
    expect(await t.mutation(internal.campaigns.addMembers, { campaignId, opportunityIds: ids.slice(100) })).toMatchObject({
      added: 450,
      duplicate: 50,
      scheduledBatches: 1,
    });
    await runScheduled(t);
    expect((await status(t, campaignId)).total).toBe(700);
    expect((await status(t, campaignId)).waiting).toBe(700);
    await expect(
      t.mutation(internal.campaigns.addMembers, { campaignId, opportunityIds: Array.from({ length: 8193 }, () => ids[0]) }),
    ).rejects.toThrow(/opportunityIds has more than 8192 ids/);
  });
});

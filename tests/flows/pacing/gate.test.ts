/**
 * The pacing gate: never more live Vapi calls than VAPI_MAX_CONCURRENT_CALLS -
 * VAPI_INBOUND_RESERVE, whatever bursts of starts and retries arrive; a freed
 * line goes to the oldest waiting dial; speed-to-lead dials jump the queue.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { recordOptOut, scheduleAttempt } from "../../../convex/model/calls/attempts";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { endCall, expectWithinLines, liveAtVapi, prospects, startCalls, withOutboundLines } from "../../helpers/pacing";
import { callsOf, getCall, noAnswer, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

describe("one gate for every dial", () => {
  test("with the defaults (10 calls, 2 kept for inbound) a burst of 12 starts dials 8; the rest wait", async () => {
    const { t, world, agencyId } = await setupWorld();
    const ids = await prospects(t, agencyId, 12);
    await startCalls(t, ids);
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(8);
    expect(await expectWithinLines(t, 8)).toBe(8);
    expect(await rows(t, "dialQueue")).toHaveLength(4);
    // The waiting dials are calls still scheduled, not failures.
    expect((await rows(t, "calls")).filter((c) => c.status === "scheduled")).toHaveLength(4);
  });

  test("a freed line starts the oldest waiting dial, on the status-update or on the report alone", async () => {
    const { t, world, agencyId } = await setupWorld();
    withOutboundLines(2);
    const ids = await prospects(t, agencyId, 5);
    const callIds: Id<"calls">[] = [];
    // Started one after the other: the queue's order is the order they came in.
    for (const id of ids) callIds.push(...(await startCalls(t, [id])));
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(2);

    await endCall(t, await getCall(t, callIds[1]), "customer-ended-call");
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(3);
    expect((await getCall(t, callIds[2])).vapiCallId).toBeDefined();
    expect((await getCall(t, callIds[3])).status).toBe("scheduled");

    // Only the report arrives for this one: it frees the line too.
    const first = await getCall(t, callIds[0]);
    await postWebhook(t, endOfCallReport(first.vapiCallId!, first._id, [], { endedReason: "customer-busy" }));
    await runScheduled(t);
    expect((await getCall(t, callIds[3])).vapiCallId).toBeDefined();
    expect((await getCall(t, callIds[4])).status).toBe("scheduled");
    await expectWithinLines(t, 2);
  });

  test("bursts of starts and unanswered retries never exceed the lines", async () => {
    const { t, world, agencyId } = await setupWorld({ agency: { retryDelayMinutes: 5, maxAttempts: 3 } });
    withOutboundLines(3);
    const ids = await prospects(t, agencyId, 7);
    await startCalls(t, ids.slice(0, 4));
    await runScheduled(t);
    let peak = await expectWithinLines(t, 3);
    // Rounds: every live call goes unanswered (each schedules a retry through the gate) while more prospects arrive.
    for (let round = 0; round < 20 && (await liveAtVapi(t)).length > 0; round++) {
      for (const call of await liveAtVapi(t)) await noAnswer(t, call.vapiCallId!, call._id);
      if (round === 0) await startCalls(t, ids.slice(4));
      await runScheduled(t);
      peak = Math.max(peak, await expectWithinLines(t, 3));
    }
    expect(peak).toBe(3);
    // 7 prospects x 3 attempts, every one dialled in the end, each prospect at most once at a time.
    expect(world.vapiCreates.length).toBe(21);
    for (const id of ids) expect((await callsOf(t, id)).map((c) => c.attempt)).toEqual([1, 2, 3]);
  });

  test("a speed-to-lead dial jumps the queue; the others keep their order", async () => {
    const { t, world, agencyId } = await setupWorld();
    withOutboundLines(1);
    const [busy, older, urgent] = await prospects(t, agencyId, 3);
    const [busyCall, olderCall] = [...(await startCalls(t, [busy])), ...(await startCalls(t, [older]))];
    await runScheduled(t);
    const urgentCall = await t.run(async (ctx) => {
      const agency = (await ctx.db.get("agencies", agencyId))!;
      return await scheduleAttempt(ctx, agency, (await ctx.db.get("opportunities", urgent))!, Date.now(), { priority: true });
    });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);

    await endCall(t, await getCall(t, busyCall));
    await runScheduled(t);
    expect((await getCall(t, urgentCall)).vapiCallId).toBeDefined();
    expect((await getCall(t, olderCall)).status).toBe("scheduled");

    await endCall(t, await getCall(t, urgentCall));
    await runScheduled(t);
    expect((await getCall(t, olderCall)).vapiCallId).toBeDefined();
  });

  test("two pumps racing for the last line: one dial takes it", async () => {
    const { t, world, agencyId } = await setupWorld();
    withOutboundLines(1);
    // Two dials queued without taking a line (as retries are), then two pumps at once.
    for (const id of await prospects(t, agencyId, 2)) {
      await t.run(async (ctx) => void (await scheduleAttempt(ctx, (await ctx.db.get("agencies", agencyId))!, (await ctx.db.get("opportunities", id))!, Date.now())));
    }
    expect(await rows(t, "dialLines")).toHaveLength(0);
    await Promise.all([t.mutation(internal.dialGate.pump, {}), t.mutation(internal.dialGate.pump, {})]);
    expect(await rows(t, "dialLines")).toHaveLength(1);
    await runScheduled(t);
    expect(await rows(t, "dialLines")).toHaveLength(1);
    expect(world.vapiCreates).toHaveLength(1);
  });

  test("a waiting dial withdrawn (the prospect opted out) takes no line: the next one does", async () => {
    const { t, world, agencyId } = await setupWorld();
    withOutboundLines(1);
    const [a, b, c] = await prospects(t, agencyId, 3);
    const [callA, callB, callC] = [...(await startCalls(t, [a])), ...(await startCalls(t, [b])), ...(await startCalls(t, [c]))];
    await runScheduled(t);
    await t.run((ctx) => recordOptOut(ctx, b));
    await endCall(t, await getCall(t, callA), "customer-ended-call");
    await runScheduled(t);
    expect((await getCall(t, callB)).status).toBe("cancelled");
    expect((await getCall(t, callC)).vapiCallId).toBeDefined();
    expect(world.vapiCreates).toHaveLength(2);
    expect(await rows(t, "dialQueue")).toHaveLength(0);
  });
});

/**
 * Vapi refusing a dial for concurrency sends it back to the queue, never `failed`;
 * a line whose call never reports its end is released by the reconciler.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { LINE_STUCK_MS } from "../../../convex/reconcile";
import { CONCURRENCY_ENDED_REASON } from "../../../convex/model/calls/refusals";
import { endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { prospects, runDueNow, startCalls, withOutboundLines } from "../../helpers/pacing";
import { type Backend, getCall, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

const VAPI_CREATE = /^https:\/\/api\.vapi\.ai\/call$/;

/** The dial actions scheduled so far are lost (never run). */
async function cancelDials(t: Backend) {
  await t.run(async (ctx) => {
    for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
      if (job.name.includes("startPhoneCall") && job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
    }
  });
}

describe("a dial Vapi refuses for concurrency", () => {
  test("HTTP 429 on create: the call waits again and dials once a retry is accepted; never failed", async () => {
    const { t, world, opportunityId } = await setupWorld();
    world.answer(
      "POST",
      VAPI_CREATE,
      { status: 429, json: { statusCode: 429, message: "Too Many Requests" } },
      { status: 429, json: { statusCode: 429, message: "Too Many Requests" } },
      { status: 201, json: { id: "vapi-call-accepted", status: "queued" } },
    );
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runDueNow(t);
    const refused = await getCall(t, callId);
    expect(refused).toMatchObject({ status: "scheduled", concurrencyRefusals: 1 });
    expect(refused.failure).toBeUndefined();
    expect(await rows(t, "dialLines")).toHaveLength(0);
    // Not asked again in a tight loop: due after the backoff.
    const [waiting] = await rows(t, "dialQueue");
    expect(waiting.dueAt).toBeGreaterThanOrEqual(Date.now() + 15_000);

    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(3);
    expect(await getCall(t, callId)).toMatchObject({ status: "queued", vapiCallId: "vapi-call-accepted", concurrencyRefusals: 2 });
  });

  test("a 400 naming the concurrency limit is a refusal too", async () => {
    const { t, world, opportunityId } = await setupWorld();
    world.answer(
      "POST",
      VAPI_CREATE,
      { status: 400, json: { statusCode: 400, message: `Couldn't create call: ${CONCURRENCY_ENDED_REASON}` } },
      { status: 201, json: { id: "vapi-call-accepted" } },
    );
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runScheduled(t);
    expect(await getCall(t, callId)).toMatchObject({ status: "queued", vapiCallId: "vapi-call-accepted", concurrencyRefusals: 1 });
  });

  test("a created call that ends with the concurrency endedReason is dialled again; the refused call's late report changes nothing", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runDueNow(t);
    const refusedVapiId = (await getCall(t, callId)).vapiCallId!;
    expect(refusedVapiId).toBe("vapi-call-1");

    await postWebhook(t, statusUpdate(refusedVapiId, callId, "ended", CONCURRENCY_ENDED_REASON));
    const requeued = await getCall(t, callId);
    expect(requeued).toMatchObject({ status: "scheduled", refusedVapiCallId: refusedVapiId, concurrencyRefusals: 1 });
    expect(requeued.vapiCallId).toBeUndefined();
    expect(requeued.outcome).toBeUndefined();
    expect(await rows(t, "dialLines")).toHaveLength(0);

    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(2);
    expect(await getCall(t, callId)).toMatchObject({ status: "queued", vapiCallId: "vapi-call-2" });

    // The refused call's report arrives late, carrying our call id in its metadata.
    await postWebhook(t, endOfCallReport(refusedVapiId, callId, [], { endedReason: CONCURRENCY_ENDED_REASON }));
    await postWebhook(t, statusUpdate(refusedVapiId, callId, "ended", CONCURRENCY_ENDED_REASON));
    await runScheduled(t);
    expect(await getCall(t, callId)).toMatchObject({ status: "queued", vapiCallId: "vapi-call-2", concurrencyRefusals: 1 });
    expect(world.vapiCreates).toHaveLength(2);
  });

  test("the create's answer arriving after the refusal requeued the call does not tie the call to the refused Vapi call", async () => {
    const { t, opportunityId } = await setupWorld();
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runDueNow(t);
    await postWebhook(t, statusUpdate("vapi-call-1", callId, "ended", CONCURRENCY_ENDED_REASON));
    expect(await getCall(t, callId)).toMatchObject({ status: "scheduled", refusedVapiCallId: "vapi-call-1" });
    // startPhoneCall's recordDialed for the refused call, late.
    await t.mutation(internal.calls.recordDialed, { callId, vapiCallId: "vapi-call-1" });
    expect((await getCall(t, callId)).vapiCallId).toBeUndefined();
  });

  test("a status-update ended without a reason, then the report with the concurrency reason: the call waits again and dials", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runDueNow(t);
    await postWebhook(t, statusUpdate("vapi-call-1", callId, "ended"));
    expect((await getCall(t, callId)).status).toBe("ended");
    await postWebhook(t, endOfCallReport("vapi-call-1", callId, [], { endedReason: CONCURRENCY_ENDED_REASON }));
    expect(await getCall(t, callId)).toMatchObject({ status: "scheduled", concurrencyRefusals: 1, refusedVapiCallId: "vapi-call-1" });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(2);
    expect(await getCall(t, callId)).toMatchObject({ status: "queued", vapiCallId: "vapi-call-2" });
  });

  test("only the report says so (no status-update): the call waits again", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runScheduled(t);
    await postWebhook(t, endOfCallReport("vapi-call-1", callId, [], { endedReason: CONCURRENCY_ENDED_REASON }));
    const call = await getCall(t, callId);
    expect(call).toMatchObject({ status: "scheduled", concurrencyRefusals: 1 });
    expect(call.reportReceivedAt).toBeUndefined();
    expect(await rows(t, "callMessages")).toHaveLength(0);
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(2);
  });
});

describe("a line whose call never ends", () => {
  test("is released by the reconciler once no call could still hold it; the waiting dial then goes", async () => {
    const { t, world, agencyId } = await setupWorld();
    withOutboundLines(1);
    const [stuck, next] = await startCalls(t, await prospects(t, agencyId, 2));
    await runScheduled(t);
    const vapiCallId = (await getCall(t, stuck)).vapiCallId!;
    // Vapi never sends the end, and cannot be asked about the call either.
    world.vapiCallState.set(vapiCallId, 500);

    vi.advanceTimersByTime(LINE_STUCK_MS - 60_000);
    await t.action(internal.reconcile.run, {});
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);
    expect((await getCall(t, next)).status).toBe("scheduled");

    vi.advanceTimersByTime(2 * 60_000);
    const counts = await t.action(internal.reconcile.run, {});
    expect(counts).toMatchObject({ linesReleased: 1 });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(2);
    expect((await getCall(t, next)).vapiCallId).toBeDefined();
    expect(await rows(t, "dialLines")).toEqual([expect.objectContaining({ holder: next })]);
  });

  test("a line whose dial action was lost (the call still waiting) is released and the call queues again", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    // The pump gives the line; the dial action it scheduled never runs.
    await t.mutation(internal.dialGate.pump, {});
    await cancelDials(t);
    expect(await rows(t, "dialLines")).toHaveLength(1);
    vi.advanceTimersByTime(LINE_STUCK_MS + 60_000);
    await t.action(internal.reconcile.run, {});
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);
    expect(await getCall(t, callId)).toMatchObject({ status: "queued", vapiCallId: "vapi-call-1" });
  });

  test("a campaign member's call whose dial action was lost is dialled again (the line is the call's, not the member's)", async () => {
    const { t, world, agencyId } = await setupWorld();
    const [opportunityId] = await prospects(t, agencyId, 1);
    const campaignId = await t.mutation(internal.campaigns.create, { agencyId, name: "Lost dial", opportunityIds: [opportunityId] });
    await t.mutation(internal.campaigns.start, { campaignId });
    // The member is handed its line and its call created; the dial action scheduled for that call never runs.
    for (let i = 0; i < 6; i++) {
      await cancelDials(t);
      vi.advanceTimersByTime(0);
      await t.finishInProgressScheduledFunctions();
    }
    const [call] = await rows(t, "calls");
    expect(call.status).toBe("scheduled");
    expect(await rows(t, "dialLines")).toEqual([expect.objectContaining({ holder: call._id })]);
    vi.advanceTimersByTime(LINE_STUCK_MS + 60_000);
    await t.action(internal.reconcile.run, {});
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);
    expect(await getCall(t, call._id)).toMatchObject({ status: "queued", vapiCallId: "vapi-call-1" });
  });
});

import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { MINUTE } from "../../../convex/model/scheduling/availability";
import { AGREED, BOOKED_REPLY, NOW } from "../../helpers/conversation";
import { endedVapiCall, endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { type Backend, placeCall, postWebhook, runScheduled, setupWorld } from "../../helpers/world";

function reconcile(t: Backend) {
  return t.action(internal.reconcile.run, {});
}

async function state(t: Backend, callId: Id<"calls">) {
  return await t.run(async (ctx) => ({
    call: (await ctx.db.get("calls", callId))!,
    messages: await ctx.db.query("callMessages").collect(),
    meetings: await ctx.db.query("meetings").collect(),
    tasks: await ctx.db.query("tasks").collect(),
  }));
}

describe("reconcile.run", () => {
  test("recovers a lost report once; the report arriving afterwards changes nothing", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    world.vapiCallState.set(vapiCallId, endedVapiCall(vapiCallId, callId, AGREED));

    // Not overdue yet: a live call may last 10 minutes.
    vi.setSystemTime(NOW + 10 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 0 });
    expect(world.to(`api.vapi.ai/call/${vapiCallId}`)).toHaveLength(0);

    vi.setSystemTime(NOW + 16 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, applied: 1, errors: 0 });
    const get = world.to(`api.vapi.ai/call/${vapiCallId}`)[0];
    expect(get).toMatchObject({ method: "GET" });
    expect(get.headers.authorization).toBe("Bearer vapi-test-key");
    await runScheduled(t);

    const recovered = await state(t, callId);
    expect(recovered.call).toMatchObject({
      status: "ended",
      outcome: "booked",
      endedReason: "customer-ended-call",
      cost: 0.21,
      recordingUrl: "https://storage.example/rec.wav",
      messageCount: AGREED.length,
      analysisStatus: "done",
    });
    expect(recovered.messages).toHaveLength(AGREED.length);
    expect(recovered.meetings).toHaveLength(1);
    expect(world.to("api.groq.com")).toHaveLength(1);

    // Nothing is due any more, and the late webhook is a duplicate.
    expect(await reconcile(t)).toMatchObject({ due: 0 });
    const res = await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED, { cost: 9.99 }));
    expect(await res.json()).toEqual({ result: "duplicate" });
    await runScheduled(t);
    const after = await state(t, callId);
    expect(after.call.cost).toBe(0.21);
    expect(after.messages).toHaveLength(AGREED.length);
    expect(after.meetings).toHaveLength(1);
    expect(world.to("api.groq.com")).toHaveLength(1);
  });

  test("webhook first: the reconciler never asks Vapi and the call is analysed once", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", "customer-ended-call"));
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    vi.setSystemTime(Date.now() + 60 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 0 });
    expect(world.to(`api.vapi.ai/call/${vapiCallId}`)).toHaveLength(0);
    expect(world.to("api.groq.com")).toHaveLength(1);
    expect((await state(t, callId)).meetings).toHaveLength(1);
  });

  test("the webhook landing while the reconciler is asking Vapi: one report, one analysis", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    world.on("GET", /api\.vapi\.ai\/call\//, async () => {
      expect((await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED))).status).toBe(200);
      return { json: { id: vapiCallId, ...endedVapiCall(vapiCallId, callId, AGREED) } };
    });
    vi.setSystemTime(NOW + 16 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, applied: 0, duplicate: 1 });
    await runScheduled(t);
    const s = await state(t, callId);
    expect(s.messages).toHaveLength(AGREED.length);
    expect(s.meetings).toHaveLength(1);
    expect(world.to("api.groq.com")).toHaveLength(1);
  });

  test("ended by status-update with no report: fetched after the grace period", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    world.vapiCallState.set(vapiCallId, endedVapiCall(vapiCallId, callId, AGREED));
    vi.setSystemTime(NOW + 4 * MINUTE);
    await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", "customer-ended-call"));

    vi.setSystemTime(NOW + 8 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 0 });
    vi.setSystemTime(NOW + 10 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, applied: 1 });
    await runScheduled(t);
    expect((await state(t, callId)).call).toMatchObject({ outcome: "booked", messageCount: AGREED.length });
  });

  test("a Vapi error leaves the call for the next run, which recovers it", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    world.vapiCallState.set(vapiCallId, 503);
    vi.setSystemTime(NOW + 16 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, applied: 0, errors: 1 });
    const untouched = await state(t, callId);
    expect(untouched.call).toMatchObject({ status: "queued", reconcileFailures: 1 });
    expect(untouched.call.reportReceivedAt).toBeUndefined();
    expect(world.to(`api.vapi.ai/call/${vapiCallId}`)).toHaveLength(1); // no SDK retries

    world.vapiCallState.set(vapiCallId, endedVapiCall(vapiCallId, callId, AGREED));
    vi.setSystemTime(NOW + 21 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, applied: 1, errors: 0 });
    await runScheduled(t);
    expect((await state(t, callId)).meetings).toHaveLength(1);
  });

  test("repeated Vapi errors: the call goes to the back of the queue and a person is told once", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.vapiCallState.set(vapiCallId, 500);
    for (let run = 0; run < 3; run++) {
      vi.setSystemTime(NOW + (16 + 5 * run) * MINUTE);
      expect(await reconcile(t)).toMatchObject({ due: 1, errors: 1 });
    }
    vi.setSystemTime(NOW + 36 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 0 });
    vi.setSystemTime(NOW + 47 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, errors: 1 });
    const s = await state(t, callId);
    expect(s.call.reconcileFailures).toBe(4);
    expect(s.tasks.filter((task) => task.type === "review")).toHaveLength(1);
  });

  test("a Vapi answer that will not pass (404): a person is told at once and the call goes to the back of the queue", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.vapiCallState.set(vapiCallId, 404);
    vi.setSystemTime(NOW + 16 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, errors: 1 });
    const s = await state(t, callId);
    expect(s.call.reconcileFailures).toBe(1);
    expect(s.tasks.filter((task) => task.type === "review")).toMatchObject([{ reason: expect.stringContaining("status 404, which asking again will not change") }]);
    vi.setSystemTime(NOW + 21 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 0 });
    vi.setSystemTime(NOW + 32 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, errors: 1 });
    expect((await state(t, callId)).tasks.filter((task) => task.type === "review")).toHaveLength(1);
  });

  test("a call still live at Vapi is left alone", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.vapiCallState.set(vapiCallId, { status: "in-progress" });
    vi.setSystemTime(NOW + 16 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, stillLive: 1, applied: 0, errors: 0 });
    expect((await state(t, callId)).call).toMatchObject({ status: "queued" });
    expect((await state(t, callId)).call.reconcileFailures).toBeUndefined();
  });

  test("a call queued without a Vapi id (the dial crashed) is marked failed", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    // The dial claimed the call, then died before Vapi answered.
    await t.run((ctx) => ctx.db.patch("calls", callId, { status: "queued" }));
    vi.setSystemTime(NOW + 16 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 1, dialLost: 1 });
    expect((await state(t, callId)).call).toMatchObject({ status: "failed", outcome: "failed" });
    expect(world.to("api.vapi.ai")).toHaveLength(0);
    await runScheduled(t);
    expect(world.to("api.vapi.ai")).toHaveLength(0); // the orphaned dial job finds the call no longer scheduled
  });

  test("one run handles a bounded batch, oldest first", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { call } = await placeCall(t, opportunityId);
    const { _id: _, _creationTime: __, ...template } = call;
    await t.run(async (ctx) => {
      for (let i = 0; i < 30; i++) {
        await ctx.db.insert("calls", { ...template, vapiCallId: `stuck-${i}`, updatedAt: NOW - i * MINUTE });
      }
    });
    vi.setSystemTime(NOW + 16 * MINUTE);
    expect(await reconcile(t)).toMatchObject({ due: 25, errors: 25 });
    const asked = world.to(/api\.vapi\.ai\/call\/stuck-/).map((r) => r.url.split("-").pop());
    expect(asked).toHaveLength(25);
    expect(asked).toContain("29");
    expect(asked).not.toContain("0");
  });
});

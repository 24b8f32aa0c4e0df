import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { MINUTE } from "../../../convex/model/scheduling/availability";
import { AGREED, AGREED_ISO, BOOKED_REPLY, NOW } from "../../helpers/conversation";
import { endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { getCall, placeCall, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

describe("nothing stays stuck", () => {
  test("a call Vapi still reports live is not asked about again until its next window", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.vapiCallState.set(vapiCallId, { status: "in-progress" });
    vi.setSystemTime(NOW + 16 * MINUTE);
    expect(await t.action(internal.reconcile.run, {})).toMatchObject({ due: 1, stillLive: 1 });
    // Other overdue calls get the batch first: this one is not due again five minutes later.
    vi.setSystemTime(NOW + 21 * MINUTE);
    expect(await t.action(internal.reconcile.run, {})).toMatchObject({ due: 0 });
    expect(world.to(`api.vapi.ai/call/${vapiCallId}`)).toHaveLength(1);
    expect((await getCall(t, callId)).status).toBe("queued");
  });

  test("an analysis whose action died is started again, once, and books", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    // The scheduled analysis vanishes (its action died): nothing runs it.
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
    await expect(t.mutation(internal.calls.startCall, { opportunityId })).rejects.toThrow(/in flight/);

    world.groqReplies = [BOOKED_REPLY];
    vi.setSystemTime(NOW + 30 * MINUTE);
    expect(await t.action(internal.reconcile.run, {})).toMatchObject({ analysesRestarted: 0 });
    vi.setSystemTime(NOW + 61 * MINUTE);
    expect(await t.action(internal.reconcile.run, {})).toMatchObject({ analysesRestarted: 1 });
    expect(await t.action(internal.reconcile.run, {})).toMatchObject({ analysesRestarted: 0 });
    await runScheduled(t);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ callId, meetingTime: Date.parse(AGREED_ISO) })]);
    expect(world.groqRequests).toHaveLength(1);
  });

  test("while a call's report may still come, the prospect is not called again", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await postWebhook(t, statusUpdate(vapiCallId, callId, "ended", "customer-ended-call"));
    await expect(t.mutation(internal.calls.startCall, { opportunityId })).rejects.toThrow(/in flight/);
    vi.setSystemTime(NOW + 31 * MINUTE);
    await expect(t.mutation(internal.calls.startCall, { opportunityId })).resolves.toBeDefined();
  });

  test("a rescheduled live booking moves the call's meeting time too", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);
    const [meeting] = await rows(t, "meetings");
    await t.mutation(internal.meetings.reschedule, { meetingId: meeting._id, newIsoTime: "2026-11-25T11:00:00-05:00" });
    expect((await getCall(t, callId)).meetingTime).toBe(Date.parse("2026-11-25T11:00:00-05:00"));
  });
});

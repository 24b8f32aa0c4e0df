/**
 * Staff callback calls pass the same pacing gate as prospect calls: they wait for a
 * line, hold it while live, give it back when they settle, and a concurrency
 * refusal sends them back to the queue.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Doc } from "../../../convex/_generated/dataModel";
import { LINE_STUCK_MS } from "../../../convex/reconcile";
import { CONCURRENCY_ENDED_REASON } from "../../../convex/model/calls/refusals";
import { endCall, liveAtVapi, prospects, runDueNow, startCalls, withOutboundLines } from "../../helpers/pacing";
import {
  after,
  attempts,
  callbackWorld,
  callerLeavesMessage,
  fallbackEmails,
  runDue,
  staffCalls,
  staffReport,
  staffStatus,
  staffToolCall,
  staffTransferUpdate,
} from "../../helpers/callbacks";
import { type Backend, rows } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

const VAPI_CREATE = /^https:\/\/api\.vapi\.ai\/call$/;
const LIVE_ATTEMPT: Doc<"callbackAttempts">["status"][] = ["dialing", "connecting"];

/** Staff calls Vapi has created and not ended. */
async function liveStaffCalls(t: Backend) {
  return (await attempts(t)).filter((a) => a.vapiCallId !== undefined && LIVE_ATTEMPT.includes(a.status));
}

/** Every call of ours Vapi counts against the limit, prospect and staff alike; the ledger must agree. */
async function expectWithin(t: Backend, limit: number): Promise<number> {
  const live = (await liveAtVapi(t)).length + (await liveStaffCalls(t)).length;
  expect(live).toBeLessThanOrEqual(limit);
  expect((await rows(t, "dialLines")).length).toBeLessThanOrEqual(limit);
  return live;
}

async function lineHolders(t: Backend): Promise<string[]> {
  return (await rows(t, "dialLines")).map((l) => l.holder);
}

describe("a staff call at the pacing gate", () => {
  test("waits while prospect calls hold every line, dials when one frees, holds it while live and gives it back at its report", async () => {
    withOutboundLines(2);
    const w = await callbackWorld();
    const prospectCalls = await startCalls(w.t, await prospects(w.t, w.agencyId, 2));
    await runDueNow(w.t);
    expect(await liveAtVapi(w.t)).toHaveLength(2);

    await callerLeavesMessage(w);
    expect(staffCalls(w.world)).toEqual([]);
    const [waiting] = await attempts(w.t);
    expect(waiting.status).toBe("scheduled");
    expect((await rows(w.t, "dialQueue")).map((q) => q.holder)).toEqual([waiting._id]);

    const [first] = await liveAtVapi(w.t);
    expect(prospectCalls).toContain(first._id);
    await endCall(w.t, first);
    await runDue(w.t);
    const [placed] = staffCalls(w.world);
    expect(placed?.attemptId).toBe(waiting._id);
    expect((await attempts(w.t))[0]).toMatchObject({ status: "dialing", vapiCallId: placed.vapiCallId });
    expect(await lineHolders(w.t)).toContain(waiting._id);
    expect(await expectWithin(w.t, 2)).toBe(2);

    await staffReport(w.t, placed.vapiCallId, placed.attemptId, { transfers: [] });
    expect((await attempts(w.t))[0].status).toBe("delivered");
    expect(await lineHolders(w.t)).not.toContain(waiting._id);
    expect(await rows(w.t, "dialLines")).toHaveLength(1);
  });

  test("a burst of prospect calls and staff calls never has more live calls than the lines; every one dials in the end", async () => {
    withOutboundLines(3);
    const w = await callbackWorld();
    const prospectCalls = await startCalls(w.t, await prospects(w.t, w.agencyId, 5));
    await runDueNow(w.t);
    for (let i = 0; i < 3; i++) await callerLeavesMessage(w, undefined, { number: `+1201555020${i}`, name: `Caller ${i}` });
    expect(await expectWithin(w.t, 3)).toBe(3);

    let maxLive = 0;
    for (let round = 0; round < 40; round++) {
      const staff = await liveStaffCalls(w.t);
      const prospect = await liveAtVapi(w.t);
      if (staff.length === 0 && prospect.length === 0 && (await rows(w.t, "dialQueue")).length === 0) break;
      // Something new asks for a line while others end: more pressure on the gate.
      if (round === 2) await startCalls(w.t, await prospects(w.t, w.agencyId, 2));
      if (staff.length > 0) await staffReport(w.t, staff[0].vapiCallId!, staff[0]._id, { transfers: [] });
      else if (prospect.length > 0) await endCall(w.t, prospect[0]);
      await after(w.t, 60_000);
      maxLive = Math.max(maxLive, await expectWithin(w.t, 3));
    }
    expect(maxLive).toBe(3);
    expect(staffCalls(w.world)).toHaveLength(3);
    expect((await attempts(w.t)).map((a) => a.status)).toEqual(["delivered", "delivered", "delivered"]);
    expect(w.world.vapiCreates).toHaveLength(prospectCalls.length + 2 + 3);
    expect(await rows(w.t, "dialLines")).toHaveLength(0);
  });

  test("HTTP 429 on the staff call's create: the attempt waits at the gate again and dials after the backoff; never failed", async () => {
    const w = await callbackWorld();
    w.world.answer(
      "POST",
      VAPI_CREATE,
      { status: 429, json: { statusCode: 429, message: "Too Many Requests" } },
      { status: 201, json: { id: "vapi-staff-accepted", status: "queued", monitor: { controlUrl: "https://phone.vapi.ai/accepted/control" } } },
    );
    await callerLeavesMessage(w);
    const [refused] = await attempts(w.t);
    expect(refused).toMatchObject({ status: "scheduled", concurrencyRefusals: 1 });
    expect(refused.failure).toBeUndefined();
    expect(await rows(w.t, "dialLines")).toHaveLength(0);
    const [queued] = await rows(w.t, "dialQueue");
    expect(queued).toMatchObject({ holder: refused._id });
    expect(queued.dueAt).toBeGreaterThanOrEqual(Date.now() + 15_000);

    await after(w.t, 5 * 60_000);
    expect(w.world.vapiCreates).toHaveLength(2);
    expect((await attempts(w.t))[0]).toMatchObject({ status: "dialing", vapiCallId: "vapi-staff-accepted", concurrencyRefusals: 1 });
    expect(await lineHolders(w.t)).toEqual([refused._id]);
    expect(fallbackEmails(w.world)).toEqual([]);
  });

  test("a staff call ended with the concurrency reason dials again; the refused call's late report changes nothing", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    const [refusedCall] = staffCalls(w.world);
    await staffReport(w.t, refusedCall.vapiCallId, refusedCall.attemptId, { endedReason: CONCURRENCY_ENDED_REASON, lines: [] });
    expect((await attempts(w.t))[0]).toMatchObject({ status: "scheduled", refusedVapiCallId: refusedCall.vapiCallId, concurrencyRefusals: 1 });
    expect(await rows(w.t, "dialLines")).toHaveLength(0);

    await after(w.t, 5 * 60_000);
    const [, redial] = staffCalls(w.world);
    expect(redial.attemptId).toBe(refusedCall.attemptId);
    await staffReport(w.t, refusedCall.vapiCallId, refusedCall.attemptId, { endedReason: CONCURRENCY_ENDED_REASON, lines: [] });
    expect((await attempts(w.t))[0]).toMatchObject({ status: "dialing", vapiCallId: redial.vapiCallId, concurrencyRefusals: 1 });
    expect(await lineHolders(w.t)).toEqual([refusedCall.attemptId]);
  });

  test("refused twice, dialled a third time: the first refused call's late report changes nothing (no second live staff call)", async () => {
    const w = await callbackWorld();
    await callerLeavesMessage(w);
    for (let i = 0; i < 2; i++) {
      const refused = staffCalls(w.world)[i];
      await staffReport(w.t, refused.vapiCallId, refused.attemptId, { endedReason: CONCURRENCY_ENDED_REASON, lines: [] });
      await after(w.t, 5 * 60_000);
    }
    const [first, , third] = staffCalls(w.world);
    expect((await attempts(w.t))[0]).toMatchObject({ status: "dialing", vapiCallId: third.vapiCallId, concurrencyRefusals: 2 });
    await staffStatus(w.t, first.vapiCallId, first.attemptId, "ended", CONCURRENCY_ENDED_REASON);
    await staffReport(w.t, first.vapiCallId, first.attemptId, { endedReason: CONCURRENCY_ENDED_REASON, lines: [] });
    await after(w.t, 5 * 60_000);
    expect(staffCalls(w.world)).toHaveLength(3);
    expect((await attempts(w.t))[0]).toMatchObject({ status: "dialing", vapiCallId: third.vapiCallId, concurrencyRefusals: 2 });
    expect(await lineHolders(w.t)).toEqual([third.attemptId]);
  });

  test("an attempt whose message is gone by its dial fails and gives its line back (never requeued for ever)", async () => {
    withOutboundLines(1);
    const w = await callbackWorld();
    await startCalls(w.t, await prospects(w.t, w.agencyId, 1));
    await runDueNow(w.t);
    await callerLeavesMessage(w);
    const [attempt] = await attempts(w.t);
    await w.t.run(async (ctx) => await ctx.db.delete("staffMessages", attempt.staffMessageId));
    await endCall(w.t, (await liveAtVapi(w.t))[0]);
    await runDue(w.t);
    expect(staffCalls(w.world)).toEqual([]);
    expect((await attempts(w.t))[0].status).toBe("failed");
    expect(await lineHolders(w.t)).toEqual([]);
    // Only the prospect's retry waits; the attempt is not queued again.
    expect((await rows(w.t, "dialQueue")).map((q) => q.holder)).not.toContain(attempt._id);
  });

  test("a staff call's line whose dial action was lost is released by the reconciler and the attempt queues again", async () => {
    withOutboundLines(1);
    const w = await callbackWorld();
    const [prospectCall] = await startCalls(w.t, await prospects(w.t, w.agencyId, 1));
    await runDueNow(w.t);
    await callerLeavesMessage(w);
    const [attempt] = await attempts(w.t);
    // The gate gives the staff call the line once the prospect call ends; the dial it schedules never runs.
    const [live] = await liveAtVapi(w.t);
    expect(live._id).toBe(prospectCall);
    await endCall(w.t, live);
    await w.t.mutation(internal.dialGate.pump, {});
    await w.t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.name.includes("placeStaffCall") && job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
    expect(await lineHolders(w.t)).toEqual([attempt._id]);

    vi.advanceTimersByTime(LINE_STUCK_MS + 60_000);
    const released = await w.t.mutation(internal.reconcile.releaseStuckLines, { now: Date.now(), limit: 10 });
    expect(released).toBe(1);
    await runDue(w.t);
    expect(staffCalls(w.world)).toHaveLength(1);
    expect((await attempts(w.t))[0].status).toBe("dialing");
    expect(await lineHolders(w.t)).toEqual([attempt._id]);
  });

  test("a transfer that connected settles the attempt but the call keeps its line until it ends (report, or status-update ended)", async () => {
    const w = await callbackWorld();
    for (let i = 0; i < 2; i++) await callerLeavesMessage(w, undefined, { number: `+1201555030${i}`, name: `Caller ${i}` });
    const [first] = staffCalls(w.world);
    await staffToolCall(w.t, first.vapiCallId, first.attemptId, "call_connect_1");
    await staffTransferUpdate(w.t, first.vapiCallId, first.attemptId);
    expect((await attempts(w.t))[0].status).toBe("connected");
    // Staff and caller are talking on the Vapi call: it still counts against the limit.
    expect(await lineHolders(w.t)).toContain(first.attemptId);
    await staffReport(w.t, first.vapiCallId, first.attemptId, { transfers: ["connected"] });
    expect(await lineHolders(w.t)).not.toContain(first.attemptId);

    await after(w.t, 2 * 60_000);
    const [, second] = staffCalls(w.world);
    await staffToolCall(w.t, second.vapiCallId, second.attemptId, "call_connect_2");
    await staffTransferUpdate(w.t, second.vapiCallId, second.attemptId);
    expect(await lineHolders(w.t)).toContain(second.attemptId);
    await staffStatus(w.t, second.vapiCallId, second.attemptId, "ended", "assistant-forwarded-call");
    expect(await lineHolders(w.t)).not.toContain(second.attemptId);
  });
});

import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { AGREED, BOOKED_REPLY } from "../../helpers/conversation";
import { endOfCallReport, statusUpdate } from "../../helpers/vapiPayloads";
import { getCall, placeCall, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

describe("the end-of-call report has the last word on how a call ended", () => {
  test("an 'ended' status-update without a reason leaves the outcome to the report, which schedules the retry", { timeout: 60_000 }, async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await postWebhook(t, statusUpdate(vapiCallId, callId, "ended"));
    expect((await getCall(t, callId)).outcome).toBeUndefined();

    await postWebhook(t, endOfCallReport(vapiCallId, callId, [], { endedReason: "customer-did-not-answer" }));
    const call = await getCall(t, callId);
    expect(call).toMatchObject({ outcome: "no_answer", endedReason: "customer-did-not-answer" });
    expect(call.retryCallId).toBeDefined();
    expect((await rows(t, "calls")).filter((c) => c.status === "scheduled")).toHaveLength(1);
  });

  test("a dial that timed out at Vapi but was placed takes the report's outcome and is analysed", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    world.on("POST", /^https:\/\/api\.vapi\.ai\/call$/, () => new TypeError("fetch failed"));
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runScheduled(t);
    expect(await getCall(t, callId)).toMatchObject({ status: "failed", outcome: "failed" });

    // Vapi did place it: its report arrives, found by our metadata call id.
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, endOfCallReport("vapi-late-1", callId, AGREED));
    await runScheduled(t);
    expect(await getCall(t, callId)).toMatchObject({ status: "ended", outcome: "booked", vapiCallId: "vapi-late-1" });
    expect(await rows(t, "meetings")).toHaveLength(1);
  });
});

/**
 * startPhoneCall: one Vapi create per call, never retried (a retried create can
 * dial twice); a refusal fails the call with its status and message and leaves
 * the prospect callable.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { TEST_ENV } from "../../helpers/fakeWorld";
import { getCall, placeCall, runScheduled, setupWorld } from "../../helpers/world";

describe("placing the call", () => {
  test("uses the saved assistant and phone number; content in assistantOverrides", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, prompt } = await placeCall(t, opportunityId);
    expect(world.vapiCreates).toHaveLength(1);
    const [create] = world.vapiCreates;
    expect(create.headers.authorization).toBe(`Bearer ${TEST_ENV.VAPI_API_KEY}`);
    expect(create.body).toMatchObject({
      assistantId: TEST_ENV.VAPI_ASSISTANT_ID,
      phoneNumberId: TEST_ENV.VAPI_PHONE_NUMBER_ID,
      customer: { number: "+12015550123", name: "Dana Whitfield" },
      // Offers are timed to outlive a 10-minute call: the call is held to it whatever the saved assistant says.
      assistantOverrides: { maxDurationSeconds: 600, variableValues: { schedulingContext: prompt, prospectName: "Dana Whitfield" } },
    });
    // The saved assistant carries the server URL and credential: we send no inline assistant.
    expect(create.body).not.toHaveProperty("assistant");
    expect(await getCall(t, callId)).toMatchObject({ status: "queued", vapiCallId: "vapi-call-1" });
  });

  test("metadata is small and JSON-safe: ids and the offered times only, no contact details", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    const { callId, call } = await placeCall(t, opportunityId);
    const metadata = (world.vapiCreates[0].body as { assistantOverrides: { metadata: Record<string, unknown> } }).assistantOverrides.metadata;
    expect(metadata).toEqual({ callId, agencyId, opportunityId, offeredSlotsISO: call.offeredSlotsISO });
    expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
    expect(JSON.stringify(metadata).length).toBeLessThan(1000);
    expect(JSON.stringify(metadata)).not.toMatch(/2015550123|@/);
  });

  test("the Vapi call id is stored and found through the by_vapi_call_id index", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const found = await t.run((ctx) =>
      ctx.db.query("calls").withIndex("by_vapi_call_id", (q) => q.eq("vapiCallId", vapiCallId)).unique(),
    );
    expect(found?._id).toBe(callId);
  });

  test("running the dial again never places a second call", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId } = await placeCall(t, opportunityId);
    await t.action(internal.vapi.startPhoneCall, { callId });
    await Promise.all([t.action(internal.vapi.startPhoneCall, { callId }), t.action(internal.vapi.startPhoneCall, { callId })]);
    expect(world.vapiCreates).toHaveLength(1);
  });

  test("a prospect who opted out before the dial is not called; the call is cancelled", async () => {
    const { t, world, opportunityId } = await setupWorld();
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await t.run((ctx) => ctx.db.patch("opportunities", opportunityId, { doNotCall: true }));
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(0);
    expect((await getCall(t, callId)).status).toBe("cancelled");
  });
});

describe("Vapi refuses the call", () => {
  test.each([
    [400, { message: ["customer.number must be a valid phone number"], error: "Bad Request", statusCode: 400 }, /customer\.number must be a valid phone number/],
    [500, { message: "Internal server error", statusCode: 500 }, /Internal server error/],
  ])("%s: the call fails with the status and message, Vapi asked once, the prospect still callable", async (status, body, message) => {
    const { t, world, opportunityId } = await setupWorld();
    world.failVapiCreate(status, body);
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runScheduled(t);

    expect(world.vapiCreates).toHaveLength(1);
    const call = await getCall(t, callId);
    expect(call).toMatchObject({ status: "failed", outcome: "failed", failure: { statusCode: status, message: expect.stringMatching(message) } });
    expect(call.vapiCallId).toBeUndefined();
    expect(JSON.stringify(call.failure)).not.toContain(TEST_ENV.VAPI_API_KEY);
    expect((await t.run((ctx) => ctx.db.get("opportunities", opportunityId)))?.status).toBe("New");

    // Vapi is back: staff start the call again.
    world.on("POST", /^https:\/\/api\.vapi\.ai\/call$/, () => ({ status: 201, json: { id: "vapi-call-retry" } }));
    const again = await placeCall(t, opportunityId);
    expect(again.callId).not.toBe(callId);
    expect(again.vapiCallId).toBe("vapi-call-retry");
    expect(again.call.attempt).toBe(2);
    expect(world.vapiCreates).toHaveLength(2);
  });

  test("a Vapi message that repeats the number dialled is stored without it", async () => {
    const { t, world, opportunityId } = await setupWorld();
    world.failVapiCreate(400, { message: "customer.number +12015550123 is not allowed", statusCode: 400 });
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runScheduled(t);
    const call = await getCall(t, callId);
    expect(call.failure?.message).toBe("customer.number [number] is not allowed");
  });

  test("a network failure fails the call without a status code", async () => {
    const { t, world, opportunityId } = await setupWorld();
    world.on("POST", /api\.vapi\.ai\/call$/, () => new TypeError("fetch failed"));
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(1);
    const call = await getCall(t, callId);
    expect(call).toMatchObject({ status: "failed", failure: { message: expect.stringMatching(/Vapi request failed|fetch failed/) } });
    expect(call.failure?.statusCode).toBeUndefined();
  });

  test("a missing VAPI_API_KEY fails the call naming the variable, without asking Vapi", async () => {
    const { t, world, opportunityId } = await setupWorld();
    vi.stubEnv("VAPI_API_KEY", "");
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    await runScheduled(t);
    expect(world.vapiCreates).toHaveLength(0);
    expect(await getCall(t, callId)).toMatchObject({ status: "failed", failure: { message: expect.stringMatching(/VAPI_API_KEY is not set/) } });
  });
});

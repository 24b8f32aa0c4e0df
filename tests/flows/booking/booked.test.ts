import { describe, expect, test } from "vitest";
import { AGREED, AGREED_ISO } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { placeCall, postWebhook, rows, runScheduled, setupWorld, slackOn } from "../../helpers/world";

describe("a call from startCall to the booked meeting", () => {
  test("books the agreed slot exactly once and schedules the confirmation", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId, call, prompt } = await placeCall(t, opportunityId);

    const create = world.to("api.vapi.ai/call")[0];
    expect(create.body).toMatchObject({
      assistantId: "assistant-1",
      phoneNumberId: "phone-number-1",
      customer: { number: "+12015550123" },
      assistantOverrides: { metadata: { callId, opportunityId } },
    });
    expect(call.offeredSlotsISO.length).toBeGreaterThanOrEqual(3);
    expect(prompt).toContain("Saturday, November 21, 2026, 10:00 AM EST");

    world.groqReplies = [{ meetingBooked: true, slotIso: AGREED_ISO, confidence: 0.93, evidence: "Tuesday at 2 PM works for me" }];
    const res = await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    expect(res.status).toBe(200);
    await runScheduled(t);

    const meetings = await rows(t, "meetings");
    expect(meetings).toHaveLength(1);
    expect(meetings[0]).toMatchObject({ meetingTime: Date.parse(AGREED_ISO), source: "ai_call", status: "booked", callId });
    const after = await t.run(async (ctx) => ({
      call: await ctx.db.get("calls", callId),
      opp: await ctx.db.get("opportunities", opportunityId),
    }));
    expect(after.call).toMatchObject({ outcome: "booked", analysisStatus: "done", meetingTime: Date.parse(AGREED_ISO) });
    expect(after.call?.bookingAnalysis).toMatchObject({ decision: "book", analysisVersion: expect.any(String), model: expect.any(String) });
    expect(after.opp).toMatchObject({ status: "Booked", meetingTime: Date.parse(AGREED_ISO) });
  });

  test("tells staff on Slack, and a failing Slack never blocks the booking", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    await slackOn(t, agencyId, "booked");
    world.on("POST", /^https:\/\/slack\.com\/api\/chat\.postMessage$/, () => ({ status: 500, json: {} }));

    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [{ meetingBooked: true, slotIso: AGREED_ISO, confidence: 0.9, evidence: "Tuesday at 2 PM works for me" }];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    expect(await rows(t, "meetings")).toHaveLength(1);
    const posts = world.to("chat.postMessage");
    expect(posts.length).toBeGreaterThan(1); // retried
    expect(JSON.stringify(posts[0].body)).toContain("Dana Whitfield booked Tue, Nov 24, 2:00 PM EST");
    expect(JSON.stringify(posts[0].body)).not.toContain("works for me");
  });
});

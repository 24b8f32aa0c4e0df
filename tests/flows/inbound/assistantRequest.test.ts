import { describe, expect, test } from "vitest";
import { SPOKEN } from "../../../convex/model/calls/inbound";
import { AGREED, AGREED_ISO } from "../../helpers/conversation";
import { assistantRequest, endOfCallReport, INBOUND_VAPI_CALL_ID, toolCall, type ToolReply } from "../../helpers/vapiPayloads";
import { type Backend, postWebhook, runScheduled, setupWorld } from "../../helpers/world";


interface AssistantReply {
  assistantId?: string;
  error?: string;
  assistantOverrides?: {
    firstMessage: string;
    variableValues: Record<string, string>;
    metadata: { callId: string; opportunityId: string; agencyId: string; offeredSlotsISO: string[] };
  };
}

async function ask(t: Backend, body: unknown, headers?: Record<string, string>) {
  const res = await postWebhook(t, body, headers);
  return { status: res.status, reply: (await res.json()) as AssistantReply };
}

const inboundWorld = () => setupWorld({ agency: { inboundPhoneNumber: "(212) 555-0100" } });
const counts = (t: Backend) =>
  t.run(async (ctx) => ({
    calls: (await ctx.db.query("calls").collect()).length,
    opportunities: (await ctx.db.query("opportunities").collect()).length,
  }));

describe("assistant-request (inbound calls)", () => {
  test("a new caller on the agency's number gets the saved assistant, a new inbound opportunity and a ringing call", { timeout: 60_000 }, async () => {
    const { t, agencyId } = await inboundWorld();
    const { status, reply } = await ask(t, assistantRequest({ number: "+12015550187" }));
    expect(status).toBe(200);
    expect(reply.assistantId).toBe("assistant-1");
    const o = reply.assistantOverrides!;
    expect(o.variableValues).toMatchObject({ agencyName: "Brightline Growth", prospectName: "", direction: "inbound" });
    expect(o.variableValues.localNow).toBe("Saturday, November 21, 2026, 10:00 AM EST (America/New_York)");
    expect(o.variableValues.schedulingContext).toContain("Offer these free times, in the caller's time zone:");
    expect(o.firstMessage).toBe("Thanks for calling Brightline Growth. Who am I speaking with?");
    expect(o.metadata.offeredSlotsISO.length).toBeGreaterThanOrEqual(3);

    const { call, opportunity } = await t.run(async (ctx) => {
      const call = (await ctx.db.query("calls").collect())[0];
      return { call, opportunity: await ctx.db.get("opportunities", call.opportunityId) };
    });
    expect(o.metadata).toMatchObject({ callId: call._id, agencyId, opportunityId: opportunity!._id });
    expect(call).toMatchObject({ direction: "inbound", status: "ringing", vapiCallId: INBOUND_VAPI_CALL_ID, agencyId, attempt: 1 });
    expect(call.offeredSlotsISO).toEqual(o.metadata.offeredSlotsISO);
    expect(opportunity).toMatchObject({ name: "Unknown caller", phone: "+12015550187", source: "inbound", status: "New", agencyId });
    expect(await counts(t)).toEqual({ calls: 1, opportunities: 2 });
  });

  test("the same Vapi call asked twice gets the same call, nothing new", { timeout: 60_000 }, async () => {
    const { t } = await inboundWorld();
    const first = await ask(t, assistantRequest({ number: "+12015550187", name: "Sam Ortiz" }));
    const again = await ask(t, assistantRequest({ number: "+12015550187", name: "Sam Ortiz" }));
    expect(again.reply.assistantOverrides?.metadata).toEqual(first.reply.assistantOverrides?.metadata);
    expect(first.reply.assistantOverrides?.variableValues.prospectName).toBe("Sam Ortiz");
    expect(await counts(t)).toEqual({ calls: 1, opportunities: 2 });
  });

  test("a returning caller is matched to their opportunity and greeted by name", async () => {
    const { t, opportunityId } = await inboundWorld();
    const { reply } = await ask(t, assistantRequest({ number: "+1 201 555 0123" }, "+12125550100", "vapi-inbound-2"));
    expect(reply.assistantOverrides?.metadata.opportunityId).toBe(opportunityId);
    expect(reply.assistantOverrides?.variableValues.prospectName).toBe("Dana Whitfield");
    expect(reply.assistantOverrides?.firstMessage).toBe("Hi Dana Whitfield, thanks for calling Brightline Growth. How can I help you today?");
    expect(await counts(t)).toEqual({ calls: 1, opportunities: 1 });
  });

  test("an unknown number gets a spoken error and nothing is written", async () => {
    const { t } = await inboundWorld();
    const { status, reply } = await ask(t, assistantRequest({ number: "+12015550187" }, "+13105550199"));
    expect(status).toBe(200);
    expect(reply).toEqual({ error: SPOKEN.unknownNumber });
    expect(await counts(t)).toEqual({ calls: 0, opportunities: 1 });
  });

  test("a hidden caller id gets a spoken error and nothing is written", async () => {
    const { t } = await inboundWorld();
    const { reply } = await ask(t, assistantRequest({}));
    expect(reply).toEqual({ error: SPOKEN.noCallerId });
    expect(await counts(t)).toEqual({ calls: 0, opportunities: 1 });
  });

  test("a wrong secret gets 401 and nothing is written", async () => {
    const { t } = await inboundWorld();
    const { status } = await ask(t, assistantRequest({ number: "+12015550187" }), { "x-vapi-secret": "wrong" });
    expect(status).toBe(401);
    expect(await counts(t)).toEqual({ calls: 0, opportunities: 1 });
  });

  test("an inbound call flows through the tools and the report to exactly one meeting", { timeout: 60_000 }, async () => {
    const { t, world } = await inboundWorld();
    const { reply } = await ask(t, assistantRequest({ number: "+12015550187" }));
    const { callId, opportunityId } = reply.assistantOverrides!.metadata;
    const call = { id: INBOUND_VAPI_CALL_ID, type: "inboundPhoneCall", assistantOverrides: { metadata: { callId } } };

    const res = await postWebhook(t, {
      message: { type: "tool-calls", call, toolCallList: [toolCall("call_in_1", "book_meeting", { slotIso: AGREED_ISO })] },
    });
    const tools = (await res.json()) as ToolReply;
    expect(tools.results[0].result).toMatch(/^Booked: Tue, Nov 24, 2:00 PM EST/);

    await postWebhook(t, { message: { type: "status-update", status: "ended", endedReason: "customer-ended-call", call } });
    world.groqReplies = [{ meetingBooked: true, slotIso: AGREED_ISO, confidence: 0.93, evidence: "Tuesday at 2 PM works for me" }];
    expect((await postWebhook(t, endOfCallReport(INBOUND_VAPI_CALL_ID, callId, AGREED))).status).toBe(200);
    await runScheduled(t);

    const state = await t.run(async (ctx) => ({
      meetings: await ctx.db.query("meetings").collect(),
      call: (await ctx.db.query("calls").collect())[0],
      opportunity: (await ctx.db.query("opportunities").collect()).find((o) => o._id === opportunityId),
      tasks: await ctx.db.query("tasks").collect(),
    }));
    expect(state.meetings).toHaveLength(1);
    expect(state.meetings[0]).toMatchObject({ callId, opportunityId, source: "ai_call_live", meetingTime: Date.parse(AGREED_ISO) });
    expect(state.call).toMatchObject({ direction: "inbound", status: "ended", outcome: "booked", analysisStatus: "done", messageCount: AGREED.length });
    expect(state.opportunity).toMatchObject({ status: "Booked", source: "inbound" });
    expect(state.tasks).toEqual([]);
  });

  test("a prospect who opted out of calls can still call in and book; they stay do-not-call", async () => {
    const { t, opportunityId } = await setupWorld({ agency: { inboundPhoneNumber: "(212) 555-0100" } });
    await t.run((ctx) => ctx.db.patch("opportunities", opportunityId, { doNotCall: true, status: "Rejected" }));
    const { reply } = await ask(t, assistantRequest({ number: "+12015550123" }));
    const { callId } = reply.assistantOverrides!.metadata;
    expect(reply.assistantOverrides!.metadata.opportunityId).toBe(opportunityId);
    const call = { id: INBOUND_VAPI_CALL_ID, type: "inboundPhoneCall", assistantOverrides: { metadata: { callId } } };
    const res = await postWebhook(t, {
      message: { type: "tool-calls", call, toolCallList: [toolCall("call_in_2", "book_meeting", { slotIso: AGREED_ISO })] },
    });
    expect(((await res.json()) as ToolReply).results[0].result).toMatch(/^Booked/);
    const opp = await t.run((ctx) => ctx.db.get("opportunities", opportunityId));
    expect(opp).toMatchObject({ status: "Booked", doNotCall: true });
  });

  test("a booked prospect who calls is reminded of their meeting, not offered new times", async () => {
    const { t, opportunityId } = await inboundWorld();
    await t.run((ctx) =>
      ctx.db.patch("opportunities", opportunityId, { status: "Booked", meetingTime: Date.parse(AGREED_ISO), timeZone: "America/Chicago" }),
    );
    const { reply } = await ask(t, assistantRequest({ number: "+12015550123" }));
    const o = reply.assistantOverrides!;
    expect(o.metadata).toMatchObject({ opportunityId, offeredSlotsISO: [] });
    expect(o.variableValues.schedulingContext).toContain("already has a meeting with Brightline Growth: Tue, Nov 24, 1:00 PM CST");
    expect(o.variableValues.schedulingContext).not.toContain("Offer these free times");
  });
});

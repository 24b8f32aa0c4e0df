import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Doc } from "../../../convex/_generated/dataModel";
import { MINUTE } from "../../../convex/model/scheduling/availability";
import { AGREED, AGREED_ISO, NOW } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { placeCall, postWebhook, runScheduled, setupWorld } from "../../helpers/world";

const HOUR = 60 * MINUTE;

describe("staff views", () => {
  test("funnel for a date range: placed, connected, booked, rejected, not reached, rate and cost per booking", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    // One real call that books, through the webhook and the analysis.
    const booked = await placeCall(t, opportunityId);
    world.groqReplies = [{ meetingBooked: true, slotIso: AGREED_ISO, confidence: 0.93, evidence: "Tuesday at 2 PM works for me" }];
    await postWebhook(t, endOfCallReport(booked.vapiCallId, booked.callId, AGREED, { cost: 0.3 }));
    await runScheduled(t);

    const { _id, _creationTime, vapiCallId: _v, ...template } = booked.call;
    const call = (over: Partial<Doc<"calls">>) => ({ ...template, status: "ended" as const, ...over });
    await t.run(async (ctx) => {
      const rows = [
        call({ vapiCallId: "a", outcome: "rejected", cost: 0.2, dialAt: NOW + HOUR }),
        call({ vapiCallId: "b", outcome: "completed", cost: 0.1, dialAt: NOW + HOUR }),
        call({ vapiCallId: "c", outcome: "no_answer", cost: 0.05, dialAt: NOW + 2 * HOUR }),
        call({ vapiCallId: "d", outcome: "voicemail", cost: 0.05, dialAt: NOW + 2 * HOUR }),
        call({ status: "scheduled", dialAt: NOW + 3 * HOUR }), // not placed yet
        call({ status: "failed", outcome: "failed", dialAt: NOW + 3 * HOUR }), // Vapi refused it
        call({ vapiCallId: "e", outcome: "booked", cost: 9, dialAt: NOW - 2 * HOUR }), // before the range
        call({ vapiCallId: "f", outcome: "booked", cost: 9, dialAt: NOW + 30 * HOUR }), // after it
      ];
      for (const row of rows) await ctx.db.insert("calls", row);
    });
    // Raw inserts skip the trigger, like calls written before the counters existed: the migration counts them.
    await t.mutation(internal.migrations.migrateCalls, {});
    await runScheduled(t);

    const funnel = await t.query(internal.calls.funnel, { agencyId, from: NOW - HOUR, to: NOW + 24 * HOUR });
    expect(funnel).toEqual({
      placed: 5,
      connected: 3,
      booked: 1,
      rejected: 1,
      noAnswer: 2,
      bookingRate: 0.2,
      cost: 0.7,
      costPerBookedMeeting: 0.7,
      pipelineValue: null,
      roi: null,
      completed: 0,
      noShow: 0,
      completionRate: 0,
      noShowRate: 0,
      messagesTaken: 0,
      callbacksConnected: 0,
      medianMinutesToConnection: null,
      truncated: false,
    });
    await expect(t.query(internal.calls.funnel, { agencyId, from: NOW, to: NOW })).rejects.toThrow(/from/);
  });

  test("calls for an agency, newest first, with outcomes and the prospect's name", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const first = await placeCall(t, opportunityId);
    await postWebhook(t, endOfCallReport(first.vapiCallId, first.callId, [], { endedReason: "customer-busy" }));
    const calls = await t.query(internal.calls.listForAgency, { agencyId });
    expect(calls.map((c) => [c.attempt, c.status, c.outcome])).toEqual([
      [2, "scheduled", undefined],
      [1, "ended", "busy"],
    ]);
    expect(calls[1]).toMatchObject({ opportunityName: "Dana Whitfield", callId: first.callId });
    expect(await t.query(internal.calls.listForAgency, { agencyId, limit: 1 })).toHaveLength(1);
  });

  test("upcoming meetings: booked, not yet over, soonest first, labelled in the agency's zone", async () => {
    const { t, agencyId, opportunityId } = await setupWorld({ prospect: { timeZone: "America/Los_Angeles" } });
    const otherAgency = await t.mutation(internal.agencies.create, {
      name: "Other",
      timeZone: "Europe/Paris",
      availability: ["Mon-Fri 09:00-17:00"],
    });
    const meeting = (over: Partial<Doc<"meetings">>) => ({
      agencyId,
      opportunityId,
      meetingTime: NOW,
      durationMinutes: 30,
      source: "staff" as const,
      status: "booked" as const,
      sequence: 0,
      ...over,
    });
    await t.run(async (ctx) => {
      await ctx.db.insert("meetings", meeting({ meetingTime: NOW - 60 * MINUTE })); // over
      await ctx.db.insert("meetings", meeting({ meetingTime: NOW - 10 * MINUTE })); // running
      await ctx.db.insert("meetings", meeting({ meetingTime: NOW + 2 * HOUR, status: "cancelled" }));
      await ctx.db.insert("meetings", meeting({ meetingTime: NOW + 3 * HOUR }));
      await ctx.db.insert("meetings", meeting({ meetingTime: NOW + 26 * HOUR }));
      await ctx.db.insert("meetings", meeting({ agencyId: otherAgency, meetingTime: NOW + HOUR }));
    });
    const upcoming = await t.query(internal.meetings.upcoming, { agencyId, from: NOW });
    expect(upcoming.map((m) => (m.meetingTime - NOW) / MINUTE)).toEqual([-10, 180, 1560]);
    expect(upcoming[1]).toMatchObject({
      opportunityName: "Dana Whitfield",
      label: "Sat, Nov 21, 10:00 AM PST (Sat, Nov 21, 1:00 PM EST agency time)",
    });
    expect(await t.query(internal.meetings.upcoming, { agencyId, from: NOW, limit: 2 })).toHaveLength(2);
  });
});

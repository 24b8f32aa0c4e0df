/** The shapes calls.bookingAnalysis and tasks.details may hold: ours only, and rows written before replyJson stay readable. */
import { afterEach, describe, expect, test, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { parseAnalysisReply } from "../../convex/model/analysis/reply";
import { withReplyAsJson } from "../../convex/model/analysis/record";
import { BOOKED_REPLY } from "../helpers/conversation";
import { placeCall, runScheduled, setupWorld } from "../helpers/world";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

const LEGACY_DONE = {
  reply: { ...BOOKED_REPLY, rejectionDetected: false, reasoning: "" },
  model: "openai/gpt-oss-120b",
  analysisVersion: "2026-11-01.1",
  usage: { promptTokens: 900, completionTokens: 60 },
  decision: "book" as const,
  reason: "agreed to a free slot",
  analyzedAt: 1,
};

async function aCall() {
  const w = await setupWorld();
  const { callId } = await placeCall(w.t, w.opportunityId);
  return { ...w, callId };
}

describe("calls.bookingAnalysis", () => {
  test("refuses a shape we do not define", { timeout: 60_000 }, async () => {
    const { t, callId } = await aCall();
    await expect(
      t.run((ctx) => ctx.db.patch("calls", callId, { bookingAnalysis: { decision: "maybe", reason: "x" } as never })),
    ).rejects.toThrow(/Validator error/);
  });

  test("a done analysis stored before replyJson stays valid, and migrateCalls moves its reply to replyJson once", async () => {
    const { t, callId } = await aCall();
    await t.run((ctx) => ctx.db.patch("calls", callId, { bookingAnalysis: LEGACY_DONE }));

    await t.mutation(internal.migrations.migrateCalls, {});
    await runScheduled(t);

    const migrated = await t.run((ctx) => ctx.db.get("calls", callId));
    const { reply, ...rest } = LEGACY_DONE;
    expect(migrated?.bookingAnalysis).toEqual({ ...rest, replyJson: expect.any(String) });
    const replyJson = (migrated?.bookingAnalysis as { replyJson: string }).replyJson;
    expect(JSON.parse(replyJson)).toEqual(reply);
    expect(parseAnalysisReply(replyJson)).toMatchObject({ meetingBooked: true, confidence: BOOKED_REPLY.confidence });
    expect(withReplyAsJson(migrated?.bookingAnalysis)).toBeNull();
  });
});

describe("tasks.details", () => {
  async function insertTask(t: Awaited<ReturnType<typeof aCall>>["t"], ids: { agencyId: Id<"agencies">; opportunityId: Id<"opportunities"> }, type: "clarify_time" | "call_back", details: unknown) {
    return t.run((ctx) => ctx.db.insert("tasks", { ...ids, type, status: "open", reason: "r", details: details as never }));
  }

  test("accepts times as said and offered ids in a clarification", async () => {
    const { t, agencyId, opportunityId } = await aCall();
    const details = { proposedTimes: ["S2", { date: "2026-03-10", time: "14:00", zone: "prospect" }], suggestedSlotsISO: [] };
    const id = await insertTask(t, { agencyId, opportunityId }, "clarify_time", details);
    expect((await t.run((ctx) => ctx.db.get("tasks", id)))?.details).toEqual(details);
  });

  test("refuses a shape no task kind has", async () => {
    const { t, agencyId, opportunityId } = await aCall();
    await expect(insertTask(t, { agencyId, opportunityId }, "call_back", { callbackPhone: "+12015550147" })).rejects.toThrow(/Validator error/);
    await expect(insertTask(t, { agencyId, opportunityId }, "call_back", { kind: "something_else" })).rejects.toThrow(/Validator error/);
  });
});

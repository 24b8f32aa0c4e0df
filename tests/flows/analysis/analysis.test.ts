/**
 * The post-call analysis decides: book, reject, or ask a person. The model only
 * proposes; the grid, the prospect's own words and the confidence threshold decide.
 */
import { describe, expect, test, vi } from "vitest";
import { ANALYSIS_VERSION } from "../../../convex/model/analysis/reply";
import { DEFAULT_GROQ_MODEL } from "../../../convex/model/providers/groq";
import { AGREED, AGREED_ISO, BOOKED_REPLY, type Line } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { internal } from "../../../convex/_generated/api";
import { addProspect, analysedCall, doneAnalysis, getCall, outcomeOf, placeCall, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

const REFUSED: Line[] = [
  ["AI", "Hi Dana, this is Atlas from Brightline Growth. Could we set up a 30 minute intro?"],
  ["User", "No thanks, we're not interested in marketing help right now."],
  ["AI", "Understood, thank you for your time. Have a good day."],
];

const UNDECIDED: Line[] = [
  ["AI", "Hi Dana, this is Atlas from Brightline Growth. Could we set up a 30 minute intro?"],
  ["User", "Maybe, what do you have?"],
  ["AI", "I have Monday at 10 AM, Tuesday at 2 PM or Wednesday at 11 AM Eastern."],
  ["User", "Tuesday could work, but I need to check with my partner first."],
  ["AI", "No problem, we'll follow up."],
];

/** Nothing booked, one open review task for the call naming why, the call still "completed". */
function expectReview(r: Awaited<ReturnType<typeof analysedCall>>, reason: RegExp) {
  expect(r.meetings).toHaveLength(0);
  expect(r.tasks).toEqual([expect.objectContaining({ type: "review", status: "open", callId: r.callId, reason: expect.stringMatching(reason) })]);
  expect(r.opportunity.status).toBe("Contacted");
  expect(r.call).toMatchObject({ outcome: "completed", analysisStatus: "done" });
  expect(r.call.bookingAnalysis).toMatchObject({ decision: "review", reason: expect.stringMatching(reason) });
}

describe("analysis decisions", () => {
  test("a clear refusal marks the opportunity Rejected and the call rejected, booking nothing", { timeout: 60_000 }, async () => {
    const r = await analysedCall(REFUSED, [
      { meetingBooked: false, slotIso: null, confidence: 0.92, rejectionDetected: true, evidence: "No thanks, we're not interested" },
    ]);
    expect(r.meetings).toHaveLength(0);
    expect(r.opportunity.status).toBe("Rejected");
    expect(r.call).toMatchObject({ outcome: "rejected", analysisStatus: "done" });
    expect(r.call.bookingAnalysis).toMatchObject({ decision: "reject" });
    expect(r.tasks).toHaveLength(0);
  });

  test("an undecided prospect books nothing and leaves a review task", { timeout: 60_000 }, async () => {
    const r = await analysedCall(UNDECIDED, [
      { meetingBooked: false, slotIso: null, confidence: 0.8, evidence: "I need to check with my partner first" },
    ]);
    expectReview(r, /no agreed time/);
  });

  test("confidence below the default 0.7 books nothing", { timeout: 60_000 }, async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, confidence: 0.69 }]);
    expectReview(r, /confidence 0\.69 is below 0\.7/);
  });

  test("a time that is not on the grid books nothing", async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, slotIso: "2026-11-24T14:05:00-05:00" }]);
    expectReview(r, /not a free slot/);
  });

  test("a time outside the availability windows (Saturday) books nothing", async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, slotIso: "2026-11-28T10:00:00-05:00" }]);
    expectReview(r, /not a free slot/);
  });

  test("a time without an offset books nothing", async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, slotIso: "2026-11-24T14:00:00" }]);
    expectReview(r, /not an ISO time with an offset/);
  });

  test.each([
    ["2 PM Eastern written as UTC", "2026-11-24T14:00:00Z"],
    ["2 PM written with the summer offset", "2026-11-24T14:00:00-04:00"],
  ])("an offset that is not the zone's on that date (%s) books the wall-clock time said", { timeout: 60_000 }, async (_label, slotIso) => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, slotIso }]);
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: Date.parse(AGREED_ISO), callId: r.callId })]);
    expect(r.opportunity.status).toBe("Booked");
  });

  test("the same instant in the prospect's own offset stands (a Pacific prospect's 11 AM is 2 PM Eastern)", async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, slotIso: "2026-11-24T11:00:00-08:00" }], { prospect: { timeZone: "America/Los_Angeles" } });
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: Date.parse(AGREED_ISO), callId: r.callId })]);
  });

  test("a foreign offset is never taken as another instant: 19:00Z is read as 7 PM Eastern, not 2 PM", async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, slotIso: "2026-11-24T19:00:00Z" }]);
    expectReview(r, /not a free slot \(outside availability\)/);
  });

  test("evidence the prospect never said books nothing", async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, evidence: "Yes, please book me for Tuesday at 2 PM" }]);
    expectReview(r, /evidence is not in the prospect's words/);
  });

  test("evidence found only in Atlas's own lines books nothing", async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, evidence: "Great, Tuesday November 24th at 2 PM Eastern" }]);
    expectReview(r, /evidence is not in the prospect's words/);
  });

  test("evidence matches despite case, punctuation and spacing", async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, evidence: "TUESDAY, at 2 PM   works for me!" }]);
    expect(r.meetings).toHaveLength(1);
  });

  test("a refusal without the prospect's words is not trusted: review, opportunity stays open", async () => {
    const r = await analysedCall(REFUSED, [
      { meetingBooked: false, slotIso: null, confidence: 0.9, rejectionDetected: true, evidence: "I hate marketing calls" },
    ]);
    expectReview(r, /possible rejection/);
  });

  test.each([
    ["0.95", 0.93, 0],
    ["0.5", 0.6, 1],
  ])("BOOKING_MIN_CONFIDENCE=%s with confidence %s books %s meeting(s)", async (threshold, confidence, booked) => {
    vi.stubEnv("BOOKING_MIN_CONFIDENCE", threshold);
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, confidence }]);
    expect(r.meetings).toHaveLength(booked);
    if (!booked) expect(doneAnalysis(r.call).reason).toContain(`below ${threshold}`);
  });

  test("bookingAnalysis keeps the reply, model, version, token usage, decision and reason", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld();
    vi.stubEnv("GROQ_MODEL", "llama-test-model");
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    const call = await getCall(t, callId);
    expect(call.bookingAnalysis).toMatchObject({
      replyJson: expect.any(String),
      model: "llama-test-model",
      analysisVersion: ANALYSIS_VERSION,
      usage: { promptTokens: 900, completionTokens: 60 },
      decision: "book",
      reason: expect.any(String),
    });
    expect(JSON.parse(doneAnalysis(call).replyJson!)).toMatchObject({ ...BOOKED_REPLY, rejectionDetected: false });
    const [request] = world.groqRequests;
    expect(request.headers.authorization).toBe("Bearer groq-test-key");
    expect(request.body).toMatchObject({ model: "llama-test-model", response_format: { type: "json_object" } });
    expect(request.body).not.toHaveProperty("tools");
    const prompt = JSON.stringify(request.body);
    expect(prompt).toContain("Tuesday at 2 PM works for me.");
    expect(prompt).toContain("Saturday, November 21, 2026, 10:00 AM EST");
  });

  test("without GROQ_MODEL the default model is asked", { timeout: 60_000 }, async () => {
    const r = await analysedCall(AGREED, [BOOKED_REPLY]);
    expect(r.world.groqRequests[0].body).toMatchObject({ model: DEFAULT_GROQ_MODEL });
    expect(doneAnalysis(r.call).model).toBe(DEFAULT_GROQ_MODEL);
  });
});

describe("no model call when there is nothing to analyse", () => {
  test.each<[string, Line[]]>([
    ["an empty transcript", []],
    ["only Atlas speaking", [["AI", "Hi, this is Atlas from Brightline Growth, calling for Dana."]]],
    ["a trivially short answer", [["AI", "Hi, this is Atlas from Brightline Growth."], ["User", "Hello?"]]],
  ])("%s is skipped without asking Groq", async (_label, lines) => {
    const r = await analysedCall(lines, [BOOKED_REPLY]);
    expect(r.world.groqRequests).toHaveLength(0);
    expect(r.meetings).toHaveLength(0);
    expect(r.call).toMatchObject({ analysisStatus: "skipped", bookingAnalysis: { decision: "skipped" } });
  });
});

describe("a slot taken since the call", () => {
  test("a meeting booked by someone else before the analysis: no booking, a task for a person", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const other = await addProspect(t, agencyId, "Lee Park", "+12015550188");
    await t.run((ctx) =>
      ctx.db.insert("meetings", {
        agencyId,
        opportunityId: other,
        meetingTime: Date.parse(AGREED_ISO),
        durationMinutes: 30,
        source: "staff",
        status: "booked",
        sequence: 0,
      }),
    );
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    const r = await outcomeOf(t, callId, opportunityId);
    expect(r.meetings.filter((m) => m.opportunityId === opportunityId)).toHaveLength(0);
    expect(r.opportunity.status).not.toBe("Booked");
    expect(r.call.outcome).not.toBe("booked");
    expect(r.tasks).toEqual([
      expect.objectContaining({ callId, status: "open", type: expect.stringMatching(/^(review|booking_conflict)$/) }),
    ]);
  });

  test("a meeting booked while Groq is thinking: the decision, taken against the meetings as they are then, books nothing", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const other = await addProspect(t, agencyId, "Lee Park", "+12015550188");
    world.groqReplies = [BOOKED_REPLY];
    const groq = world.groqRequests.length;
    world.on("POST", /api\.groq\.com/, async () => {
      // Someone books the same slot between the grid read and the booking.
      await t.run((ctx) =>
        ctx.db.insert("meetings", {
          agencyId,
          opportunityId: other,
          meetingTime: Date.parse(AGREED_ISO) + 15 * 60_000,
          durationMinutes: 30,
          source: "staff",
          status: "booked",
          sequence: 0,
        }),
      );
      return {
        status: 200,
        json: {
          choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: JSON.stringify(BOOKED_REPLY) } }],
          usage: { prompt_tokens: 1, completion_tokens: 1 },
        },
      };
    });
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    const r = await outcomeOf(t, callId, opportunityId);
    expect(world.groqRequests).toHaveLength(groq + 1);
    expect(r.meetings).toHaveLength(1);
    expect(r.meetings[0].opportunityId).toBe(other);
    expect(r.opportunity.status).not.toBe("Booked");
    expect(r.tasks).toEqual([expect.objectContaining({ callId, type: "review", reason: expect.stringMatching(/not a free slot \(conflict\)/) })]);
  });
});

describe("applying the analysis", () => {
  test("applyAnalysis parses the reply text itself: text that is not our JSON is refused naming replyJson, writing nothing", { timeout: 60_000 }, async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId } = await placeCall(t, opportunityId);
    const before = await getCall(t, callId);
    const apply = (replyJson: string) =>
      t.mutation(internal.ai.applyAnalysis, { callId, replyJson, model: "m", usage: { promptTokens: 0, completionTokens: 0 } });
    await expect(apply("not json")).rejects.toThrow(/replyJson: model reply is not JSON/);
    await expect(apply(JSON.stringify({ meetingBooked: "yes" }))).rejects.toThrow(/replyJson: .*meetingBooked/);
    expect(await getCall(t, callId)).toEqual(before);
    expect(await rows(t, "tasks")).toEqual([]);
  });
});

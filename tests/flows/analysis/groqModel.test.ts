/**
 * The model Atlas asks, the way it asks (structured outputs), and what happens when
 * Groq does not serve that model, rejects its own JSON, or the input cannot be read.
 */
import { describe, expect, test, vi } from "vitest";
import { ANALYSIS_RETRY } from "../../../convex/model/retryPolicy";
import { internal } from "../../../convex/_generated/api";
import { ANALYSIS_REPLY_SCHEMA, MAX_ANALYSIS_ATTEMPTS } from "../../../convex/model/analysis/reply";
import { MINUTE } from "../../../convex/model/scheduling/availability";
import { DEFAULT_GROQ_MODEL } from "../../../convex/model/providers/groq";
import { ANALYSIS_STUCK_MS } from "../../../convex/reconcile";
import { groqJsonValidateFailed, groqModelUnavailable, type FakeWorld } from "../../helpers/fakeWorld";
import { AGREED, AGREED_ISO, BOOKED_REPLY, NOW } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { addProspect, analysedCall, doneAnalysis, getCall, placeCall, postWebhook, reportedCall, rows, runScheduled, setupWorld, slackOn } from "../../helpers/world";

// Every test here runs flows on the embedded backend; the first also loads the Convex modules.
vi.setConfig({ testTimeout: 60_000 });

/** Staff messages about a model Groq does not serve (Slack, as the fake world received them). */
function modelAlerts(world: FakeWorld): string[] {
  return world
    .to("slack.com/api/chat.postMessage")
    .map((r) => (r.body as { text: string }).text)
    .filter((text) => text.includes("does not serve model"));
}

describe("the model asked", () => {
  test("by default openai/gpt-oss-120b, low reasoning effort, the reply held to the strict schema; its nulls read as absent and it books", async () => {
    const { t, world, callId } = await analysedCall(AGREED, [BOOKED_REPLY]);
    expect(world.groqRequests).toHaveLength(1);
    expect(world.groqRequests[0].body).toMatchObject({
      model: "openai/gpt-oss-120b",
      reasoning_effort: "low",
      response_format: { type: "json_schema", json_schema: { name: "call_analysis", strict: true, schema: ANALYSIS_REPLY_SCHEMA.schema } },
    });
    const call = await getCall(t, callId);
    expect(call).toMatchObject({ outcome: "booked", analysisStatus: "done", bookingAnalysis: { model: DEFAULT_GROQ_MODEL, decision: "book" } });
    // The fake decoded like Groq: optOut, proposedTimes... came back null; the stored reply has no such nulls.
    const storedReply = JSON.parse(doneAnalysis(call).replyJson!);
    expect(storedReply).toMatchObject({ meetingBooked: true });
    expect(storedReply).not.toHaveProperty("optOut");
    expect(storedReply).not.toHaveProperty("proposedTimes");
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ callId, meetingTime: Date.parse(AGREED_ISO) })]);
  });

  test("GROQ_MODEL overrides it: another gpt-oss model is asked the same way", async () => {
    const { t, world, opportunityId } = await setupWorld();
    vi.stubEnv("GROQ_MODEL", "openai/gpt-oss-20b");
    const { callId } = await reportedCall({ t, world }, opportunityId, AGREED, [BOOKED_REPLY]);
    expect(world.groqRequests[0].body).toMatchObject({ model: "openai/gpt-oss-20b", reasoning_effort: "low", response_format: { type: "json_schema" } });
    expect((await getCall(t, callId)).outcome).toBe("booked");
  });

  test("a model without strict mode gets JSON mode (the prompt says JSON) and no reasoning effort", async () => {
    const { t, world, opportunityId } = await setupWorld();
    vi.stubEnv("GROQ_MODEL", "meta-llama/llama-4-scout-17b-16e-instruct");
    const { callId } = await reportedCall({ t, world }, opportunityId, AGREED, [BOOKED_REPLY]);
    expect(world.groqRequests[0].body).toMatchObject({ response_format: { type: "json_object" } });
    expect(world.groqRequests[0].body).not.toHaveProperty("reasoning_effort");
    expect((await getCall(t, callId)).outcome).toBe("booked");
  });
});

describe("a model Groq does not serve", () => {
  test.each([
    ["llama-3.3-70b-versatile", "Groq HTTP 404 model_not_found"],
    ["llama-3.1-8b-instant", "Groq HTTP 400 model_decommissioned"],
  ])("%s: failed at once with that reason, not retried, a review task; a re-run with a served model books", async (model, error) => {
    const { t, world, opportunityId } = await setupWorld();
    vi.stubEnv("GROQ_MODEL", model);
    const { callId } = await reportedCall({ t, world }, opportunityId, AGREED, [BOOKED_REPLY]);
    expect(world.groqRequests).toHaveLength(1);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "failed", analysisAttempts: 1, bookingAnalysis: { error } });
    expect(await rows(t, "meetings")).toHaveLength(0);
    const [task] = await rows(t, "tasks");
    expect(task).toMatchObject({ callId, type: "review", status: "open" });
    expect(task.reason).toContain(`does not serve model ${model}`);

    vi.stubEnv("GROQ_MODEL", "");
    await t.action(internal.ai.processCallTranscript, { callId });
    await runScheduled(t);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "done", outcome: "booked" });
    expect(await rows(t, "tasks")).toEqual([expect.objectContaining({ callId, status: "done" })]);
  });

  test("staff hear it once per model and UTC day, however many calls fail; each call keeps its own task", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    await slackOn(t, agencyId, "analysis_failed");
    world.groqUnservedModels.set(DEFAULT_GROQ_MODEL, "model_not_found");
    const prospects = [
      opportunityId,
      await addProspect(t, agencyId, "Sam Ortiz", "+12015550124"),
      await addProspect(t, agencyId, "Lee Park", "+12015550125"),
    ];
    for (const prospect of prospects) await reportedCall({ t, world }, prospect, AGREED, [BOOKED_REPLY]);
    expect((await rows(t, "calls")).map((c) => c.analysisStatus)).toEqual(["failed", "failed", "failed"]);
    expect((await rows(t, "tasks")).filter((task) => task.status === "open")).toHaveLength(3);
    const alerts = modelAlerts(world);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(`Groq does not serve model ${DEFAULT_GROQ_MODEL} (Groq HTTP 404 model_not_found)`);
    expect(await rows(t, "modelAlerts")).toEqual([expect.objectContaining({ model: DEFAULT_GROQ_MODEL, day: "2026-11-21" })]);

    // The next UTC day, the next failure alerts again.
    vi.setSystemTime(NOW + 24 * 60 * MINUTE);
    await reportedCall({ t, world }, await addProspect(t, agencyId, "Kim Roy", "+12015550126"), AGREED, [BOOKED_REPLY]);
    expect(modelAlerts(world)).toHaveLength(2);
  });

  test("an agency without a route for analysis_failed does not use up the day's alert", async () => {
    const { t, world, opportunityId } = await setupWorld();
    world.groqUnservedModels.set(DEFAULT_GROQ_MODEL, "model_decommissioned");
    await reportedCall({ t, world }, opportunityId, AGREED, [BOOKED_REPLY]);
    expect(await rows(t, "modelAlerts")).toHaveLength(0);

    const other = await t.mutation(internal.agencies.create, { name: "Northside", timeZone: "America/Chicago", availability: ["Mon-Fri 09:00-17:00"] });
    await slackOn(t, other, "analysis_failed");
    await reportedCall({ t, world }, await addProspect(t, other, "Ana Cruz", "+13125550100"), AGREED, [BOOKED_REPLY]);
    expect(modelAlerts(world)).toHaveLength(1);
  });

  test("a scripted model_not_found answer is final too (the fake's body as Groq sends it)", async () => {
    const { t, world, callId } = await analysedCall(AGREED, [groqModelUnavailable(DEFAULT_GROQ_MODEL, "model_not_found"), BOOKED_REPLY]);
    expect(world.groqRequests).toHaveLength(1);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "failed", bookingAnalysis: { error: "Groq HTTP 404 model_not_found" } });
  });
});

describe("a reply that fails Groq's own JSON validation", () => {
  test("json_validate_failed is retried after the backoff and books once; the failed generation is kept nowhere", async () => {
    const { t, world, callId } = await analysedCall(AGREED, [groqJsonValidateFailed('{"meetingBooked": true, "slotIso": "Tuesday 2 PM for Dana'), BOOKED_REPLY]);
    expect(world.groqRequests).toHaveLength(2);
    const [first, second] = world.groqRequests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(ANALYSIS_RETRY.baseDelayMs);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "done", analysisAttempts: 2, outcome: "booked" });
    expect(await rows(t, "meetings")).toHaveLength(1);
    expect(await rows(t, "tasks")).toHaveLength(0);
  });

  test("failing validation on every attempt: failed after the last attempt, with the code as the reason", async () => {
    const { t, world, callId } = await analysedCall(AGREED, [groqJsonValidateFailed('{"meetingBooked": tru')]);
    expect(world.groqRequests).toHaveLength(MAX_ANALYSIS_ATTEMPTS);
    const call = await getCall(t, callId);
    expect(call).toMatchObject({ analysisStatus: "failed", analysisAttempts: MAX_ANALYSIS_ATTEMPTS, bookingAnalysis: { error: "Groq HTTP 400 json_validate_failed" } });
    expect(JSON.stringify(call)).not.toContain("meetingBooked");
  });
});

describe("an input that cannot be loaded", () => {
  test("the analysis is failed with a review task, never left scheduled for the reconciler to restart", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    // Agency data that makes loadSchedule throw (written around the validating mutation).
    await t.run((ctx) => ctx.db.patch("agencies", agencyId, { availability: ["whenever suits"] }));
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    expect(world.groqRequests).toHaveLength(0);
    expect(await getCall(t, callId)).toMatchObject({ analysisStatus: "failed", analysisAttempts: 1 });
    expect(await rows(t, "tasks")).toEqual([expect.objectContaining({ callId, type: "review", status: "open", reason: expect.stringMatching(/analysis failed/) })]);
    vi.setSystemTime(Date.now() + ANALYSIS_STUCK_MS + MINUTE);
    expect(await t.action(internal.reconcile.run, {})).toMatchObject({ analysesRestarted: 0 });
  });
});

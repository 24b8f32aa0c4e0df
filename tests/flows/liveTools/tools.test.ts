import { describe, expect, test } from "vitest";
import { DateTime } from "luxon";
import { internal } from "../../../convex/_generated/api";
import { TOOL_DEFINITIONS } from "../../../convex/model/calls/tools";
import { AGREED, AGREED_ISO, type Line } from "../../helpers/conversation";
import { endOfCallReport, isosIn, toolCall, toolCallsMessage, type ToolReply } from "../../helpers/vapiPayloads";
import { askTools, type Backend, placeCall, postWebhook, rows, runScheduled, setupWorld } from "../../helpers/world";

const openTasks = (t: Backend) => t.run(async (ctx) => (await ctx.db.query("tasks").collect()).filter((x) => x.status === "open"));

describe("tool definitions", () => {
  test("name both tools, their parameters, and forbid claiming a booking early", { timeout: 60_000 }, () => {
    expect(TOOL_DEFINITIONS.map((d) => d.function.name)).toEqual(["check_availability", "book_meeting"]);
    expect(Object.keys(TOOL_DEFINITIONS[1].function.parameters.properties)).toEqual(["slotId", "slotIso"]);
    expect(TOOL_DEFINITIONS[1].function.parameters.required).toEqual([]);
    for (const d of TOOL_DEFINITIONS) expect(d.function.description).toMatch(/only claim a booking after book_meeting succeeded/i);
  });
});

describe("check_availability", () => {
  test("lists up to 4 free slots on the asked date and part of day, each with its exact ISO, on one line", { timeout: 60_000 }, async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const reply = await askTools(t, vapiCallId, callId, [
      toolCall("call_check_1", "check_availability", { date: "2026-11-24", timeOfDay: "afternoon" }),
    ]);
    expect(reply.results).toHaveLength(1);
    const { toolCallId, result, error } = reply.results[0];
    expect({ toolCallId, error }).toEqual({ toolCallId: "call_check_1", error: undefined });
    expect(result).not.toMatch(/\n/);
    expect(result).toMatch(/^Free times: S\d+: Tue, Nov 24, /);
    const isos = isosIn(result);
    expect(isos.length).toBeGreaterThanOrEqual(2);
    expect(isos.length).toBeLessThanOrEqual(4);
    const { slots } = await t.query(internal.availability.getAvailableSlots, { agencyId: (await t.run((ctx) => ctx.db.get("calls", callId)))!.agencyId });
    for (const iso of isos) {
      const local = DateTime.fromISO(iso, { zone: "America/New_York" });
      expect(local.toISODate()).toBe("2026-11-24");
      expect(local.hour).toBeGreaterThanOrEqual(12);
      expect(slots.map((s) => s.iso)).toContain(iso);
    }
  });

  test("labels in the prospect's zone first and the agency's when they differ", async () => {
    const { t, opportunityId } = await setupWorld({ prospect: { timeZone: "America/Chicago" } });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    // Legacy shape, arguments as an object.
    const reply = await askTools(t, vapiCallId, callId, [
      { id: "call_legacy", name: "check_availability", parameters: { date: "2026-11-23", timeOfDay: "morning" } },
    ]);
    const result = reply.results[0].result!;
    expect(result).toMatch(/^Free times: S\d+: Mon, Nov 23, 8:00 AM CST \(Mon, Nov 23, 9:00 AM EST agency time\) \[2026-11-23T09:00:00-05:00\]; /);
    for (const iso of isosIn(result)) expect(DateTime.fromISO(iso, { zone: "America/Chicago" }).hour).toBeLessThan(12);
  });

  test("names the nearest free times when nothing matches the request", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const reply = await askTools(t, vapiCallId, callId, [
      toolCall("call_sunday", "check_availability", { date: "2026-11-22", timeOfDay: "evening" }),
    ]);
    const result = reply.results[0].result!;
    expect(result).toMatch(/^No free time on Sunday, Nov 22 in the evening\. Nearest free times: /);
    expect(isosIn(result)[0]).toBe("2026-11-23T09:00:00-05:00");
  });
});

describe("book_meeting", () => {
  const shapes: [string, (slotIso: string) => unknown][] = [
    ["function, arguments as a JSON string", (slotIso) => toolCall("call_book", "book_meeting", { slotIso })],
    ["function, arguments as an object", (slotIso) => ({ id: "call_book", type: "function", function: { name: "book_meeting", arguments: { slotIso } } })],
    ["legacy name + parameters", (slotIso) => ({ id: "call_book", name: "book_meeting", parameters: { slotIso } })],
    ["legacy name + arguments", (slotIso) => ({ id: "call_book", name: "book_meeting", arguments: JSON.stringify({ slotIso }) })],
  ];

  test.each(shapes)("books live from the %s shape", async (_shape, build) => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const reply = await askTools(t, vapiCallId, callId, [build(AGREED_ISO)]);
    expect(reply.results).toEqual([
      {
        toolCallId: "call_book",
        result: "Booked: Tue, Nov 24, 2:00 PM EST [2026-11-24T14:00:00-05:00]. Confirm this time to the prospect; a calendar invite follows.",
      },
    ]);
    const all = await rows(t, "meetings");
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ callId, source: "ai_call_live", meetingTime: Date.parse(AGREED_ISO), status: "booked" });
    const call = await t.run((ctx) => ctx.db.get("calls", callId));
    expect(call).toMatchObject({ outcome: "booked", meetingId: all[0]._id, meetingTime: Date.parse(AGREED_ISO) });
  });

  test("a replayed tool call id returns the first answer and books nothing new", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const body = [toolCall("call_Q2x9bK4mT7", "book_meeting", { slotIso: AGREED_ISO })];
    const first = await askTools(t, vapiCallId, callId, body);
    const again = await askTools(t, vapiCallId, callId, body);
    expect(again).toEqual(first);
    expect(first.results[0].result).toMatch(/^Booked: /);
    expect(await rows(t, "meetings")).toHaveLength(1);
    const ledger = await rows(t, "toolCalls");
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ toolCallId: "call_Q2x9bK4mT7", callId, name: "book_meeting", meetingId: expect.any(String) });
  });

  test("a second booking on the same call (new tool call id) changes nothing", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const reply = await askTools(t, vapiCallId, callId, [
      toolCall("call_a", "book_meeting", { slotIso: AGREED_ISO }),
      toolCall("call_b", "book_meeting", { slotIso: "2026-11-25T11:00:00-05:00" }),
    ]);
    expect(reply.results.map((r) => r.toolCallId)).toEqual(["call_a", "call_b"]);
    expect(reply.results[1].result).toMatch(/^Not booked again: this call already booked Tue, Nov 24, 2:00 PM EST/);
    expect(await rows(t, "meetings")).toHaveLength(1);
  });

  test("a slot taken between check and book is refused with the nearest free alternatives", { timeout: 60_000 }, async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const checked = await askTools(t, vapiCallId, callId, [
      toolCall("call_check", "check_availability", { date: "2026-11-24", timeOfDay: "afternoon" }),
    ]);
    const slotIso = isosIn(checked.results[0].result)[0];

    // Meanwhile another prospect of the agency books that very slot.
    const other = await t.mutation(internal.opportunities.create, { agencyId, name: "Lee Park", phone: "+12015550124" });
    const second = await placeCall(t, other);
    const theirs = await askTools(t, second.vapiCallId, second.callId, [toolCall("call_other", "book_meeting", { slotIso })]);
    expect(theirs.results[0].result).toMatch(/^Booked: /);

    const reply = await askTools(t, vapiCallId, callId, [toolCall("call_late", "book_meeting", { slotIso })]);
    const result = reply.results[0].result!;
    expect(result).toMatch(/^Not booked: Tue, Nov 24, \d+:\d\d [AP]M EST is already taken\. Nearest free times: /);
    expect(result).not.toMatch(/\n/);
    const alternatives = isosIn(result);
    expect(alternatives).toHaveLength(3);
    expect(alternatives).not.toContain(slotIso);
    const all = await rows(t, "meetings");
    expect(all).toHaveLength(1);
    expect(all[0].callId).toBe(second.callId);
    const call = await t.run((ctx) => ctx.db.get("calls", callId));
    expect(call?.meetingId).toBeUndefined();
    expect(await openTasks(t)).toEqual([]);
  });

  test("a slot outside the availability is refused, nothing booked", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const reply = await askTools(t, vapiCallId, callId, [toolCall("call_night", "book_meeting", { slotIso: "2026-11-24T22:00:00-05:00" })]);
    expect(reply.results[0].result).toMatch(/^Not booked: Tue, Nov 24, 10:00 PM EST is outside the agency's meeting hours\. Nearest free times: .*\[2026-11-24T16:30:00-05:00\]/);
    expect(await rows(t, "meetings")).toEqual([]);
  });
});

describe("bad tool calls", () => {
  test("unknown tool, malformed slot and broken JSON get error results in call order, never a 5xx", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const reply = await askTools(t, vapiCallId, callId, [
      toolCall("call_1", "transfer_to_human", {}),
      toolCall("call_2", "book_meeting", { slotIso: "Tuesday at 2" }),
      { id: "call_3", type: "function", function: { name: "check_availability", arguments: "{not json" } },
      toolCall("call_4", "check_availability", { timeOfDay: "midnight" }),
      toolCall("call_5", "check_availability", {}),
    ]);
    expect(reply.results.map((r) => r.toolCallId)).toEqual(["call_1", "call_2", "call_3", "call_4", "call_5"]);
    expect(reply.results[0]).toEqual({ toolCallId: "call_1", error: "unknown tool; use check_availability or book_meeting" });
    expect(reply.results[1].error).toMatch(/^book_meeting: slotIso is not an ISO time with an offset; pass the slotId beside the agreed time/);
    expect(reply.results[2].error).toBe("check_availability: arguments are not valid JSON");
    expect(reply.results[3].error).toBe("check_availability: timeOfDay is not one of morning, afternoon, evening");
    // What the model sent goes back to Vapi (and its logs) named, never echoed.
    for (const r of reply.results.slice(0, 4)) expect(r.error).not.toMatch(/transfer_to_human|Tuesday at 2|not json|midnight/);
    expect(reply.results[4].result).toMatch(/^Free times: /);
    expect(await rows(t, "meetings")).toEqual([]);
  });

  test("a tool call for a call Atlas does not know gets an error result", async () => {
    const { t } = await setupWorld();
    const res = await postWebhook(t, {
      message: { type: "tool-calls", call: { id: "someone-else" }, toolCallList: [toolCall("call_x", "book_meeting", { slotIso: AGREED_ISO })] },
    });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as ToolReply;
    expect(reply.results[0]).toEqual({ toolCallId: "call_x", error: expect.stringMatching(/unknown to Atlas/) });
    expect(await rows(t, "meetings")).toEqual([]);
  });

  test("a wrong secret gets 401 and nothing is booked or recorded", async () => {
    const { t, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const res = await postWebhook(t, toolCallsMessage(vapiCallId, callId, [toolCall("call_1", "book_meeting", { slotIso: AGREED_ISO })]), {
      authorization: "Bearer not-the-secret",
    });
    expect(res.status).toBe(401);
    expect(await rows(t, "meetings")).toEqual([]);
    expect(await rows(t, "toolCalls")).toEqual([]);
  });
});

describe("the end-of-call report after a live booking", () => {
  async function bookLiveThenReport(lines: Line[], groq: Record<string, unknown>) {
    const world = await setupWorld();
    const { t, opportunityId } = world;
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const booked = await askTools(t, vapiCallId, callId, [toolCall("call_book", "book_meeting", { slotIso: AGREED_ISO })]);
    expect(booked.results[0].result).toMatch(/^Booked: /);
    world.world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: null, ...groq }];
    const res = await postWebhook(t, endOfCallReport(vapiCallId, callId, lines));
    expect(res.status).toBe(200);
    await runScheduled(t);
    const state = await t.run(async (ctx) => ({
      call: await ctx.db.get("calls", callId),
      opportunity: await ctx.db.get("opportunities", opportunityId),
    }));
    return { t, callId, ...state };
  }

  test("confirms the live booking: one meeting, no review", { timeout: 60_000 }, async () => {
    const { t, call, opportunity } = await bookLiveThenReport(AGREED, {
      meetingBooked: true,
      slotIso: AGREED_ISO,
      confidence: 0.93,
      evidence: "Tuesday at 2 PM works for me",
    });
    const all = await rows(t, "meetings");
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ source: "ai_call_live", meetingTime: Date.parse(AGREED_ISO) });
    expect(call).toMatchObject({ outcome: "booked", analysisStatus: "done", bookingAnalysis: { decision: "book" } });
    expect(opportunity).toMatchObject({ status: "Booked", meetingTime: Date.parse(AGREED_ISO) });
    expect(await openTasks(t)).toEqual([]);
  });

  test("a prospect who took it back (\"actually, make it Thursday\") gives a review task, not a second meeting", async () => {
    const tookBack: Line[] = [
      ...AGREED.slice(0, 5),
      ["User", "Actually, make it Thursday at 10 instead."],
      ["AI", "I'll let the team know you'd prefer Thursday at 10."],
    ];
    const { t, callId, call, opportunity } = await bookLiveThenReport(tookBack, {
      meetingBooked: true,
      slotIso: "2026-11-26T10:00:00-05:00",
      confidence: 0.9,
      evidence: "Actually, make it Thursday at 10 instead.",
    });
    const all = await rows(t, "meetings");
    expect(all).toHaveLength(1);
    expect(all[0].meetingTime).toBe(Date.parse(AGREED_ISO));
    const tasks = await openTasks(t);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ type: "review", callId, reason: expect.stringMatching(/changed the time/) });
    expect(call?.bookingAnalysis).toMatchObject({ decision: "review" });
    expect(opportunity).toMatchObject({ status: "Booked", meetingTime: Date.parse(AGREED_ISO) });
  });

  test("a rejection after the live booking leaves the meeting and asks a person", async () => {
    const declined: Line[] = [...AGREED.slice(0, 5), ["User", "Hmm, no, forget it, I don't want a meeting."]];
    const { t, opportunity } = await bookLiveThenReport(declined, {
      rejectionDetected: true,
      confidence: 0.95,
      evidence: "no, forget it, I don't want a meeting",
    });
    expect(await rows(t, "meetings")).toHaveLength(1);
    expect(opportunity?.status).toBe("Booked");
    const tasks = await openTasks(t);
    expect(tasks.map((x) => [x.type, x.reason])).toEqual([["review", expect.stringMatching(/declined/)]]);
  });
});

/**
 * Booking the time the prospect said (issue 7): wall-clock answers in DST weeks,
 * offers that survive the call, evidence that means agreement, waking-hour offers,
 * nothing booked once the call is settled, and alternates in offer_times.
 */
import { describe, expect, test, vi } from "vitest";
import { DateTime } from "luxon";
import { internal } from "../../../convex/_generated/api";
import type { GroqReply } from "../../helpers/fakeWorld";
import { AGREED, AGREED_ISO, BOOKED_REPLY, type Line } from "../../helpers/conversation";
import { endOfCallReport, isosIn, toolCall } from "../../helpers/vapiPayloads";
import { addProspect, analysedCall, askTools, type Backend, getCall, placeCall, postWebhook, promptOf, reportEnded, rows, runScheduled, setupWorld } from "../../helpers/world";

// Every test here runs flows on the embedded backend; the first also loads the Convex modules.
vi.setConfig({ testTimeout: 60_000 });

const NY = "America/New_York";
const MINUTE = 60_000;

let toolCallIds = 0;

async function tool(t: Backend, vapiCallId: string, callId: string, name: string, args: Record<string, unknown>) {
  return (await askTools(t, vapiCallId, callId, [toolCall(`${name}-${++toolCallIds}`, name, args)])).results[0];
}

const TUESDAY_2PM: Line[] = [
  ["AI", "Would Tuesday at 2 PM suit you?"],
  ["User", "Tuesday at 2 PM works for me."],
];
const agreed = (slot: Record<string, unknown>): GroqReply => ({
  meetingBooked: true,
  slotIso: null,
  confidence: 0.9,
  evidence: "Tuesday at 2 PM works for me",
  ...slot,
});

describe("times are wall-clock times in a named zone", () => {
  // Friday Oct 30 2026, 10:00 EDT; New York falls back on Sunday Nov 1.
  const FALL = Date.parse("2026-10-30T14:00:00Z");

  test("New York fall-back week: 2 PM Tuesday written with October's offset books 14:00 EST, never 13:00 EST", async () => {
    const r = await analysedCall(TUESDAY_2PM, [agreed({ slotIso: "2026-11-03T14:00:00-04:00" })], { now: FALL });
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: Date.parse("2026-11-03T19:00:00Z"), callId: r.callId })]);
  });

  test("New York fall-back week, answered as said: {date, time, zone} books 14:00 EST", async () => {
    const r = await analysedCall(TUESDAY_2PM, [agreed({ agreedTime: { date: "2026-11-03", time: "14:00", zone: "prospect" } })], { now: FALL });
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: Date.parse("2026-11-03T19:00:00Z") })]);
  });

  test("New York spring-forward week: 2 PM Tuesday written with the winter offset books 14:00 EDT", async () => {
    // Friday Mar 6 2026, 10:00 EST; clocks go forward on Sunday Mar 8.
    const r = await analysedCall(TUESDAY_2PM, [agreed({ slotIso: "2026-03-10T14:00:00-05:00" })], { now: Date.parse("2026-03-06T15:00:00Z") });
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: Date.parse("2026-03-10T18:00:00Z") })]);
  });

  test("London fall-back week: 2 PM Tuesday written with the summer offset books 14:00 GMT", async () => {
    // Friday Oct 23 2026, 10:00 BST; London falls back on Sunday Oct 25.
    const r = await analysedCall(TUESDAY_2PM, [agreed({ slotIso: "2026-10-27T14:00:00+01:00" })], {
      now: Date.parse("2026-10-23T09:00:00Z"),
      agency: { timeZone: "Europe/London" },
      prospect: { phone: "+442079460958", timeZone: "Europe/London" },
    });
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: Date.parse("2026-10-27T14:00:00Z") })]);
  });

  test('"2 PM Eastern" written as 14:00Z books 2 PM Eastern', async () => {
    const r = await analysedCall(AGREED, [{ ...BOOKED_REPLY, slotIso: "2026-11-24T14:00:00Z" }]);
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: Date.parse(AGREED_ISO) })]);
  });

  test("a live book_meeting with a stale offset books the wall-clock time said", async () => {
    const { t, opportunityId } = await setupWorld({ now: FALL });
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const answer = await tool(t, vapiCallId, callId, "book_meeting", { slotIso: "2026-11-03T14:00:00-04:00" });
    expect(answer.result).toMatch(/^Booked: Tue, Nov 3, 2:00 PM EST/);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ meetingTime: Date.parse("2026-11-03T19:00:00Z") })]);
  });
});

describe("offers survive the call", () => {
  // Monday Nov 23 2026, 09:45 EST: the earliest free slot is barely past the two-hour notice.
  const MONDAY = Date.parse("2026-11-23T14:45:00Z");

  async function placed() {
    const w = await setupWorld({ now: MONDAY });
    const placedCall = await placeCall(w.t, w.opportunityId);
    const first = placedCall.call.offeredSlots![0];
    expect(first.id).toBe("S1");
    // Offered at least the notice plus the longest call after the dial.
    expect(first.start).toBeGreaterThanOrEqual(placedCall.call.dialAt + (120 + 10) * MINUTE);
    expect(placedCall.call.offeredSlotsISO[0]).toBe(DateTime.fromMillis(first.start, { zone: NY }).toISO({ suppressMilliseconds: true }));
    return { ...w, ...placedCall, first };
  }

  test("a nine-minute call books the first offered slot live", async () => {
    const { t, callId, vapiCallId, call } = await placed();
    vi.setSystemTime(MONDAY + 9 * MINUTE);
    const answer = await tool(t, vapiCallId, callId, "book_meeting", { slotIso: call.offeredSlotsISO[0] });
    expect(answer.result).toMatch(/^Booked/);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ meetingTime: Date.parse(call.offeredSlotsISO[0]) })]);
  });

  test("after a nine-minute call the analysis books the first offered slot, by id", async () => {
    const { t, world, callId, vapiCallId, first } = await placed();
    const time = DateTime.fromMillis(first.start, { zone: NY }).toFormat("h:mm a");
    vi.setSystemTime(MONDAY + 9 * MINUTE);
    world.groqReplies = [{ meetingBooked: true, slotId: "S1", slotIso: null, confidence: 0.9, evidence: `Today at ${time} works for me` }];
    await reportEnded(t, vapiCallId, callId, [
      ["AI", `The first time I have is today at ${time} Eastern.`],
      ["User", `Today at ${time} works for me.`],
    ]);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ meetingTime: first.start, callId })]);
  });

  test("an offered slot stays bookable by its call after the notice has passed (analysis run late); a slot not offered does not", async () => {
    const { t, world, callId, vapiCallId, first } = await placed();
    vi.setSystemTime(first.start - 60 * MINUTE);
    const time = DateTime.fromMillis(first.start, { zone: NY }).toFormat("h:mm a");
    world.groqReplies = [{ meetingBooked: true, slotId: "S1", slotIso: null, confidence: 0.9, evidence: `Today at ${time} works for me` }];
    await reportEnded(t, vapiCallId, callId, [["User", `Today at ${time} works for me.`]]);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ meetingTime: first.start })]);

    const other = await addProspect(t, (await getCall(t, callId)).agencyId, "Lee Park", "+12015550188");
    const second = await placeCall(t, other);
    const later = first.start + 30 * MINUTE; // free, on the grid, not offered to this call, under two hours away
    expect(second.call.offeredSlots!.map((s) => s.start)).not.toContain(later);
    const answer = await tool(t, second.vapiCallId, second.callId, "book_meeting", { slotIso: DateTime.fromMillis(later, { zone: NY }).toISO()! });
    expect(answer.result).toMatch(/^Not booked: .* is too soon to book/);
  });

  test("check_availability listings get ids and count as the call's offers", async () => {
    const { t, callId, vapiCallId } = await placed();
    const listed = await tool(t, vapiCallId, callId, "check_availability", { date: "2026-11-25", timeOfDay: "afternoon" });
    expect(listed.result).toMatch(/^Free times: S\d+: Wed, Nov 25, /);
    const id = /^Free times: (S\d+)/.exec(listed.result!)![1];
    const call = await getCall(t, callId);
    expect(call.offeredSlots!.length).toBeGreaterThan(4);
    const s5 = call.offeredSlots!.find((s) => s.id === id)!;
    expect(isosIn(listed.result)[0]).toBe(DateTime.fromMillis(s5.start, { zone: NY }).toISO({ suppressMilliseconds: true }));
    const answer = await tool(t, vapiCallId, callId, "book_meeting", { slotId: id.toLowerCase() });
    expect(answer.result).toMatch(/^Booked: Wed, Nov 25, /);
    expect(await rows(t, "meetings")).toEqual([expect.objectContaining({ meetingTime: s5.start })]);
    expect((await tool(t, vapiCallId, callId, "book_meeting", { slotId: "S99" })).result).toMatch(/^Not booked again/);
  });
});

describe("evidence means agreement", () => {
  test("a quote from inside a refusal books nothing", async () => {
    const r = await analysedCall(
      [
        ["AI", "Could you do Tuesday at 2 PM?"],
        ["User", "I can’t do Tuesday at 2 PM, sorry."],
      ],
      [{ ...BOOKED_REPLY, evidence: "Tuesday at 2 PM" }],
    );
    expect(r.meetings).toHaveLength(0);
    expect(r.tasks).toEqual([expect.objectContaining({ type: "review", reason: expect.stringMatching(/evidence is not in the prospect's words/) })]);
  });

  test("fragments stitched from two lines book nothing", async () => {
    const r = await analysedCall(
      [
        ["AI", "Which day suits you?"],
        ["User", "Tuesday works."],
        ["AI", "Morning or afternoon?"],
        ["User", "At 2 PM I guess, let me check."],
      ],
      [{ ...BOOKED_REPLY, evidence: "Tuesday works... at 2 PM" }],
    );
    expect(r.meetings).toHaveLength(0);
    expect(r.tasks).toEqual([expect.objectContaining({ type: "review" })]);
  });

  test('a plain "Sure" right after Atlas named the slot books it', async () => {
    const r = await analysedCall(
      [
        ["AI", "Hi Dana, could we set up a 30 minute intro?"],
        ["User", "Yes, I have been meaning to look into this."],
        ["AI", "Shall I book you for Tuesday, November 24 at 2 PM Eastern?"],
        ["User", "Sure."],
      ],
      [{ ...BOOKED_REPLY, evidence: "Sure" }],
    );
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: Date.parse(AGREED_ISO) })]);
  });
});

describe("offers in the prospect's waking hours", () => {
  test.each([
    ["Sydney", "Australia/Sydney", "+61291234567"],
    ["Kolkata", "Asia/Kolkata", "+913322345678"],
  ])("a New York agency offers a %s prospect daytime slots, in the prompt and in check_availability", async (_city, zone, phone) => {
    const { t, opportunityId } = await setupWorld({ prospect: { timeZone: zone, phone } });
    const { callId, vapiCallId, call } = await placeCall(t, opportunityId);
    const listed = await tool(t, vapiCallId, callId, "check_availability", {});
    const offered = [...call.offeredSlots!.map((s) => s.start), ...isosIn(listed.result).map((iso) => Date.parse(iso))];
    expect(offered.length).toBeGreaterThanOrEqual(6);
    for (const start of offered) {
      const hour = DateTime.fromMillis(start, { zone }).hour;
      expect(hour).toBeGreaterThanOrEqual(8);
      expect(hour).toBeLessThan(20);
    }
    expect(new Set(call.offeredSlots!.map((s) => DateTime.fromMillis(s.start, { zone }).toISODate())).size).toBeGreaterThanOrEqual(3);
    expect(await promptOf(t, callId)).not.toMatch(/early morning for|late evening for/);
  });
});

describe("nothing books after the call is settled", () => {
  test("a late book_meeting after a rejection books nothing, keeps the prospect Rejected and asks a person", async () => {
    const r = await analysedCall(
      [
        ["AI", "Could we set up a 30 minute intro?"],
        ["User", "No thanks, we're not interested."],
      ],
      [{ meetingBooked: false, slotIso: null, confidence: 0.92, rejectionDetected: true, evidence: "No thanks, we're not interested" }],
    );
    expect(r.opportunity.status).toBe("Rejected");
    const answer = await tool(r.t, r.call.vapiCallId!, r.callId, "book_meeting", { slotIso: AGREED_ISO });
    expect(answer.result).toMatch(/^Not booked: .*a person from the team will confirm the time/);
    expect(await rows(r.t, "meetings")).toHaveLength(0);
    expect((await r.t.run((ctx) => ctx.db.get("opportunities", r.opportunityId)))!.status).toBe("Rejected");
    expect(await rows(r.t, "tasks")).toEqual([
      expect.objectContaining({ type: "review", status: "open", callId: r.callId, reason: expect.stringContaining("after the call ended") }),
    ]);
  });
});

describe("alternates in offer_times", () => {
  const ALTERNATE: Line[] = [
    ["AI", "I have Monday at 10 AM, Tuesday at 2 PM or Wednesday at 11 AM Eastern."],
    ["User", "None of those work for me. How about Wednesday at 2:30?"],
    ["AI", "Wednesday at 2:30 PM Eastern, noted."],
  ];
  const proposal: GroqReply = {
    meetingBooked: false,
    slotIso: null,
    confidence: 0.85,
    evidence: "How about Wednesday at 2:30",
    proposedTimes: [{ date: "2026-11-25", time: "14:30", zone: "prospect" }],
  };
  const WEDNESDAY = Date.parse("2026-11-25T19:30:00Z");

  test("a free alternate is booked", async () => {
    const r = await analysedCall(ALTERNATE, [proposal]);
    expect(r.meetings).toEqual([expect.objectContaining({ meetingTime: WEDNESDAY, callId: r.callId })]);
    expect(r.tasks).toHaveLength(0);
  });

  test("a taken alternate: a clarify_time task and the nearest free times by email", async () => {
    const w = await setupWorld();
    const other = await addProspect(w.t, w.agencyId, "Lee Park", "+12015550188");
    await w.t.run((ctx) =>
      ctx.db.insert("meetings", { agencyId: w.agencyId, opportunityId: other, meetingTime: WEDNESDAY, durationMinutes: 30, source: "staff", status: "booked", sequence: 0 }),
    );
    const { callId, vapiCallId } = await placeCall(w.t, w.opportunityId);
    w.world.groqReplies = [proposal];
    await reportEnded(w.t, vapiCallId, callId, ALTERNATE);
    expect((await rows(w.t, "meetings")).filter((m) => m.opportunityId === w.opportunityId)).toHaveLength(0);
    const clarify = (await rows(w.t, "tasks")).filter((x) => x.type === "clarify_time");
    expect(clarify).toEqual([expect.objectContaining({ callId, reason: expect.stringContaining("none of the proposed times is free") })]);
    const emails = w.world.emailRequests.filter((e) => e.to.includes("dana@clinic.example") && e.subject.startsWith("Times for"));
    expect(emails).toHaveLength(1);
  });
});

describe("the analysis input stays inside Convex's limits", () => {
  test("an agency open all week on a 5-minute grid over 60 days: no array over 8,192, and the analysis books", async () => {
    const w = await setupWorld({ agency: { availability: ["Mon-Sun 00:00-24:00"], slotIntervalMinutes: 5, horizonDays: 60 } });
    const { callId, vapiCallId } = await placeCall(w.t, w.opportunityId);
    w.world.groqReplies = [BOOKED_REPLY];
    await postWebhook(w.t, endOfCallReport(vapiCallId, callId, AGREED));
    const input = await w.t.query(internal.ai.loadAnalysisInput, { callId });
    const longest = (value: unknown): number =>
      Array.isArray(value)
        ? Math.max(value.length, ...value.map(longest))
        : value && typeof value === "object"
          ? Math.max(0, ...Object.values(value).map(longest))
          : 0;
    expect(longest(input)).toBeLessThanOrEqual(8192);
    expect(input!.gridSummary).toContain("(later days not listed)");
    await runScheduled(w.t);
    expect(await rows(w.t, "meetings")).toEqual([expect.objectContaining({ meetingTime: Date.parse(AGREED_ISO), callId })]);
  });
});

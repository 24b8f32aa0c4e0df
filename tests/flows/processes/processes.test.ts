/** The booking processes end to end: the call's offer and prompt, the report, the analysis and the follow-up. */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { slotLabel } from "../../../convex/model/scheduling/availability";
import type { Line } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { type Backend, placeCall, postWebhook, runScheduled, setupWorld } from "../../helpers/world";

const LINK = "https://cal.example/brightline/intro";
const QUESTIONS = ["How many clinic locations do you run?", "Who decides on marketing spend?"];

async function state(t: Backend, opportunityId: Id<"opportunities">) {
  return await t.run(async (ctx) => ({
    opportunity: await ctx.db.get("opportunities", opportunityId),
    meetings: await ctx.db.query("meetings").collect(),
    tasks: await ctx.db.query("tasks").collect(),
    deliveries: await ctx.db.query("outbox").collect(),
  }));
}

/** A meeting of another prospect that makes a slot taken. */
async function blockSlot(t: Backend, agencyId: Id<"agencies">, iso: string) {
  await t.run(async (ctx) => {
    const other = await ctx.db.insert("opportunities", { agencyId, name: "Other", phone: "+12015550100", status: "Booked" });
    await ctx.db.insert("meetings", {
      agencyId,
      opportunityId: other,
      meetingTime: Date.parse(iso),
      durationMinutes: 30,
      source: "staff",
      status: "booked",
      sequence: 0,
    });
  });
}

describe("link + qualification", () => {
  const CALL: Line[] = [
    ["AI", "Hi Dana, this is Atlas from Brightline Growth. How many clinic locations do you run?"],
    ["User", "We have three clinics in New Jersey."],
    ["AI", "And who decides on marketing spend?"],
    ["User", "That would be me and my business partner."],
    ["AI", "Great, I'll email you a link to book a time that suits you."],
    ["User", "Sounds good, send it over."],
  ];
  const ANSWERS = [
    { question: QUESTIONS[0], answer: "Three clinics in New Jersey" },
    { question: QUESTIONS[1], answer: "Dana and her business partner" },
  ];

  async function linkFirstWorld() {
    return await setupWorld({ agency: { bookingProcess: "link_first", bookingLink: LINK, qualificationQuestions: QUESTIONS } });
  }

  test("offers no times, asks the questions, emails the link once and stores the answers", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await linkFirstWorld();
    const { callId, vapiCallId, call, prompt } = await placeCall(t, opportunityId);

    expect(call.bookingProcess).toBe("link_first");
    expect(call.offeredSlotsISO).toEqual([]);
    expect(prompt).toContain(LINK);
    for (const q of QUESTIONS) expect(prompt).toContain(q);
    expect(prompt).not.toContain("Offer these free times");
    // Questions first, then the link.
    expect(prompt.indexOf(QUESTIONS[1])).toBeLessThan(prompt.indexOf(LINK));
    const dial = world.to("api.vapi.ai/call")[0].body as { assistantOverrides: { variableValues: { schedulingContext: string } } };
    expect(dial.assistantOverrides.variableValues.schedulingContext).toContain(LINK);

    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: "send it over", qualificationAnswers: ANSWERS }];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, CALL));
    await postWebhook(t, endOfCallReport(vapiCallId, callId, CALL));
    await runScheduled(t);
    // Staff re-run the analysis by hand: still one email.
    await t.action(internal.ai.processCallTranscript, { callId });
    await runScheduled(t);

    const groqBody = JSON.stringify(world.to("api.groq.com")[0].body);
    expect(groqBody).toContain(QUESTIONS[0]);

    const emails = world.emailRequests.filter((e) => e.to.includes("dana@clinic.example"));
    expect(emails).toHaveLength(1);
    expect(emails[0].text).toContain(LINK);
    expect(emails[0].text).toContain("Dana Whitfield");
    expect(emails[0].idempotencyKey).toBe(`booking_link:${callId}`);

    const after = await state(t, opportunityId);
    expect(after.opportunity?.qualificationAnswers).toEqual(ANSWERS);
    expect(after.meetings).toHaveLength(0);
    expect(after.tasks.filter((x) => x.type === "review")).toHaveLength(0);
    expect(after.deliveries).toMatchObject([{ key: `booking_link:${callId}`, status: "sent", attempts: 1 }]);
  });

  test("a Resend outage is retried with the same idempotency key, and the link is sent once", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await linkFirstWorld();
    world.resendReplies = [503];
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: null }];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, CALL));
    await runScheduled(t);

    const sends = world.to("api.resend.com/emails");
    expect(sends).toHaveLength(2);
    expect(new Set(sends.map((s) => s.headers["idempotency-key"]))).toEqual(new Set([`booking_link:${callId}`]));
    const after = await state(t, opportunityId);
    expect(after.deliveries).toMatchObject([{ status: "sent", attempts: 2, providerMessageId: "email-1" }]);
  });

  test("without RESEND_API_KEY nothing is sent and the delivery is recorded as disabled", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await linkFirstWorld();
    vi.stubEnv("RESEND_API_KEY", "");
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: null }];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, CALL));
    await runScheduled(t);

    expect(world.to("api.resend.com")).toHaveLength(0);
    const after = await state(t, opportunityId);
    expect(after.deliveries).toMatchObject([{ key: `booking_link:${callId}`, status: "disabled" }]);
  });

  test("a prospect who declines gets no link", async () => {
    const { t, world, opportunityId } = await linkFirstWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [{ meetingBooked: false, slotIso: null, confidence: 0.95, rejectionDetected: true, evidence: "not interested" }];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, [["AI", "Hi Dana, a quick question about your clinics?"], ["User", "Sorry, not interested."]]));
    await runScheduled(t);

    expect(world.to("api.resend.com")).toHaveLength(0);
    expect((await state(t, opportunityId)).opportunity?.status).toBe("Rejected");
  });
});

describe("prospect proposes times", () => {
  const ZONE = "America/Los_Angeles";
  /** Monday 2026-11-23 09:00 New York = 06:00 Los Angeles: taken in these tests. */
  const TAKEN = "2026-11-23T09:00:00-05:00";
  const CALL: Line[] = [
    ["AI", "Hi Dana, this is Atlas from Brightline Growth. Which day and time would suit you for a 30 minute intro?"],
    ["User", "Monday at six in the morning my time, or else Tuesday at 11 AM."],
    ["AI", "Monday 6 AM or Tuesday 11 AM Pacific, noted. The team will confirm by email."],
    ["User", "Great, thanks."],
  ];
  const EVIDENCE = "Monday at six in the morning my time, or else Tuesday at 11 AM";

  test("the first free proposed time is booked", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld({
      agency: { bookingProcess: "prospect_proposes" },
      prospect: { timeZone: ZONE },
    });
    await blockSlot(t, agencyId, TAKEN);
    const { callId, vapiCallId, call, prompt } = await placeCall(t, opportunityId);
    expect(call.offeredSlotsISO).toEqual([]);
    expect(prompt).toContain("Do not list times");

    world.groqReplies = [
      {
        meetingBooked: false,
        slotIso: null,
        confidence: 0.88,
        evidence: EVIDENCE,
        proposedTimes: ["2026-11-23T06:00:00-08:00", "2026-11-24T11:00:00-08:00"],
      },
    ];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, CALL));
    await runScheduled(t);

    const after = await state(t, opportunityId);
    const ours = after.meetings.filter((m) => m.opportunityId === opportunityId);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ meetingTime: Date.parse("2026-11-24T19:00:00Z"), source: "ai_call", callId });
    expect(after.opportunity?.status).toBe("Booked");
    expect(after.tasks.filter((x) => x.type === "clarify_time")).toHaveLength(0);
    expect(world.emailRequests.filter((e) => e.subject.startsWith("Times for"))).toHaveLength(0);
  });

  test("when every proposed time is taken: a clarify task, and the prospect is emailed the nearest free slots in their zone", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld({
      agency: { bookingProcess: "prospect_proposes" },
      prospect: { timeZone: ZONE },
    });
    await blockSlot(t, agencyId, TAKEN);
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [
      {
        meetingBooked: false,
        slotIso: null,
        confidence: 0.88,
        evidence: EVIDENCE,
        // Monday 06:00 Pacific is taken; Saturday is outside availability.
        proposedTimes: ["2026-11-23T06:00:00-08:00", "2026-11-28T10:00:00-08:00"],
      },
    ];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, CALL));
    await runScheduled(t);

    const after = await state(t, opportunityId);
    expect(after.meetings.filter((m) => m.opportunityId === opportunityId)).toHaveLength(0);
    const clarify = after.tasks.filter((x) => x.type === "clarify_time");
    expect(clarify).toHaveLength(1);
    expect(clarify[0].reason).toContain("none of the proposed times is free");
    const suggested = (clarify[0].details as { suggestedSlotsISO: string[] }).suggestedSlotsISO;
    // Nearest to the taken Monday 09:00 Eastern, an hour apart.
    expect(suggested).toEqual(["2026-11-23T09:30:00-05:00", "2026-11-23T10:30:00-05:00", "2026-11-23T11:30:00-05:00"]);

    const emails = world.emailRequests.filter((e) => e.to.includes("dana@clinic.example"));
    expect(emails).toHaveLength(1);
    const text = emails[0].text;
    for (const iso of suggested) expect(text).toContain(slotLabel(Date.parse(iso), ZONE));
    expect(text).toContain("6:30 AM PST");
    expect(emails[0].idempotencyKey).toBe(`free_slots:${callId}`);
  });
});

describe("call me", () => {
  const CALL: Line[] = [
    ["AI", "Hi Dana, this is Atlas from Brightline Growth. Would a person from our team calling you back help?"],
    ["User", "Yes, just have someone call me on 201 555 0199, that's my cell."],
    ["AI", "That's 2 0 1, 5 5 5, 0 1 9 9. Someone will call you."],
    ["User", "Correct, thanks."],
  ];

  test("one call-back task however often the report arrives, with the number normalised; no booking", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld({ agency: { bookingProcess: "call_me" } });
    const { callId, vapiCallId, call, prompt } = await placeCall(t, opportunityId);
    expect(call.offeredSlotsISO).toEqual([]);
    expect(prompt).toContain("calls them back");

    world.groqReplies = [
      { meetingBooked: false, slotIso: null, confidence: 0.9, evidence: "just have someone call me", callbackRequested: true, callbackPhone: "201 555 0199" },
    ];
    for (let i = 0; i < 3; i++) expect((await postWebhook(t, endOfCallReport(vapiCallId, callId, CALL))).status).toBe(200);
    await runScheduled(t);
    await t.action(internal.ai.processCallTranscript, { callId });
    await runScheduled(t);

    let after = await state(t, opportunityId);
    expect(after.tasks).toHaveLength(1);
    expect(after.tasks[0]).toMatchObject({ type: "call_back", status: "open", callId, details: { callbackPhone: "+12015550199", numberValid: true } });
    expect(after.opportunity?.callbackPhone).toBe("+12015550199");
    expect(after.meetings).toHaveLength(0);
    expect(after.opportunity?.status).toBe("Contacted");

    // A later call asking again, on another number: still one open task, now with that number.
    const second = await placeCall(t, opportunityId);
    world.groqReplies = [
      { meetingBooked: false, slotIso: null, confidence: 0.9, evidence: "just have someone call me", callbackRequested: true, callbackPhone: "(201) 555-0147" },
    ];
    await postWebhook(t, endOfCallReport(second.vapiCallId, second.callId, CALL));
    await runScheduled(t);
    after = await state(t, opportunityId);
    expect(after.tasks).toHaveLength(1);
    expect(after.tasks[0].details).toMatchObject({ callbackPhone: "+12015550147" });
    expect(after.opportunity?.callbackPhone).toBe("+12015550147");
  });
});

describe("per-opportunity process", () => {
  test("an opportunity's override beats the agency's process", async () => {
    const { t, agencyId, opportunityId } = await setupWorld({ agency: { bookingLink: LINK, qualificationQuestions: QUESTIONS } });
    const overridden = await t.mutation(internal.opportunities.create, {
      agencyId,
      name: "Lee Park",
      phone: "+12015550124",
      bookingProcess: "link_first",
    });
    const later = await t.mutation(internal.opportunities.create, { agencyId, name: "Sam Ortiz", phone: "+12015550125" });
    await t.mutation(internal.opportunities.setBookingProcess, { opportunityId: later, bookingProcess: "link_first" });

    const agencyDefault = await placeCall(t, opportunityId);
    expect(agencyDefault.call.bookingProcess).toBe("offer_times");
    expect(agencyDefault.call.offeredSlotsISO.length).toBeGreaterThanOrEqual(3);
    expect(agencyDefault.prompt).not.toContain(LINK);
    for (const id of [overridden, later]) {
      const { call, prompt } = await placeCall(t, id);
      expect(call.bookingProcess).toBe("link_first");
      expect(call.offeredSlotsISO).toEqual([]);
      expect(prompt).toContain(LINK);
    }

    // Back to the agency's process.
    const again = await t.mutation(internal.opportunities.create, { agencyId, name: "Kim Lee", phone: "+12015550126", bookingProcess: "call_me" });
    await t.mutation(internal.opportunities.setBookingProcess, { opportunityId: again, bookingProcess: null });
    expect((await placeCall(t, again)).call.bookingProcess).toBe("offer_times");
  });

  test("link_first is refused for an agency without a booking link, naming the process", async () => {
    const { t, opportunityId, agencyId } = await setupWorld();
    await expect(t.mutation(internal.opportunities.setBookingProcess, { opportunityId, bookingProcess: "link_first" })).rejects.toThrow(
      /"link_first" needs a bookingLink/,
    );
    await expect(
      t.mutation(internal.opportunities.create, { agencyId, name: "Lee", phone: "+12015550124", bookingProcess: "link_first" }),
    ).rejects.toThrow(/bookingLink/);
    expect((await state(t, opportunityId)).opportunity?.bookingProcess).toBeUndefined();
  });
});

describe("prospect's own link", () => {
  test("asks for their link before offering times, and stores the link they give", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setupWorld({ agency: { bookingProcess: "prospect_link" } });
    const { callId, vapiCallId, call, prompt } = await placeCall(t, opportunityId);
    expect(call.offeredSlotsISO.length).toBeGreaterThanOrEqual(3);
    expect(prompt.indexOf("scheduling link of their own")).toBeLessThan(prompt.indexOf("Offer these free times"));

    world.groqReplies = [
      { meetingBooked: false, slotIso: null, confidence: 0.9, evidence: "book on my cal link", schedulerLink: "https://cal.com/dana-whitfield/intro", bookOnSchedulerLink: true },
    ];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, [["AI", "Do you have a scheduling link?"], ["User", "Yes, book on my cal link, cal.com slash dana-whitfield slash intro."]]));
    await runScheduled(t);

    const after = await state(t, opportunityId);
    expect(after.opportunity?.schedulerLink).toBe("https://cal.com/dana-whitfield/intro");
    expect(after.tasks.filter((x) => x.type === "review")).toHaveLength(0);
  });
});

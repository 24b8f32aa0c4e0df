/** Booking processes without a backend: decisions on proposed times, the post-call plan, prompt order. */
import { describe, expect, test } from "vitest";
import { decide, nearestFreeSlots, type DecisionContext } from "../../../convex/model/analysis/decide";
import { analysisReply, type AnalysisReply, type Decision } from "../../../convex/model/analysis/reply";
import { mergeAnswers, planPostCall } from "../../../convex/model/processes/postCall";
import { buildSchedulingPrompt } from "../../../convex/model/calls/prompt";
import type { TranscriptMessage } from "../../../convex/model/providers/vapiMessages";

const ZONE = "America/New_York";
const at = (iso: string) => Date.parse(iso);
const MON_10 = at("2026-11-23T10:00:00-05:00");
const TUE_14 = at("2026-11-24T14:00:00-05:00");
const messages: TranscriptMessage[] = [
  { role: "assistant", text: "Which time suits you?" },
  { role: "user", text: "Monday at ten, or Tuesday at two." },
];
const reply = (extra: Partial<AnalysisReply>): AnalysisReply =>
  analysisReply.parse({ meetingBooked: false, slotIso: null, confidence: 0.9, evidence: "Monday at ten, or Tuesday at two", ...extra });
/** A decision context whose free slots are exactly `free` (the slot rule itself is tested in availability.test.ts). */
const proposes = (free: number[]): DecisionContext => ({
  zones: { agencyZone: ZONE, prospectZone: ZONE },
  offeredSlots: [],
  messages,
  bookingProcess: "prospect_proposes",
  check: (start) => (free.includes(start) ? { ok: true } : { ok: false, reason: "conflict" }),
  freeSlots: () => free,
});

describe("decide: prospect proposes", () => {
  const proposed = ["2026-11-23T10:00:00-05:00", { date: "2026-11-24", time: "14:00", zone: "prospect" as const }];

  test("books the first proposed time that is free, ISO with the zone's own offset or as said", () => {
    expect(decide(reply({ proposedTimes: proposed }), proposes([MON_10, TUE_14]), 0.7)).toMatchObject({ action: "book", slotStart: MON_10 });
    expect(decide(reply({ proposedTimes: proposed }), proposes([TUE_14]), 0.7)).toMatchObject({
      action: "book",
      slotStart: TUE_14,
      slotIso: "2026-11-24T14:00:00-05:00",
    });
  });

  test("an offset foreign to both zones is read as the wall-clock time said in the prospect's zone", () => {
    // 10:00 written with a Pacific offset is 13:00 New York: the prospect (in New York) said ten.
    expect(decide(reply({ proposedTimes: ["2026-11-23T10:00:00-08:00"] }), proposes([MON_10, MON_10 + 3 * 3_600_000]), 0.7)).toMatchObject({
      action: "book",
      slotStart: MON_10,
    });
  });

  test("clarifies (never books) when the evidence is not the prospect's, confidence is low, or nothing is free", () => {
    const cases: [Partial<AnalysisReply>, number[], string][] = [
      [{ proposedTimes: proposed, evidence: "Tuesday works" }, [TUE_14], "not in the prospect's words"],
      [{ proposedTimes: proposed, confidence: 0.5 }, [TUE_14], "confidence 0.5"],
      [{ proposedTimes: ["2026-11-23T10:00:00"] }, [TUE_14], "not an ISO time with an offset"],
      [{ proposedTimes: proposed }, [at("2026-11-25T09:00:00-05:00")], "none of the proposed times is free"],
    ];
    for (const [extra, free, reason] of cases) {
      const d = decide(reply(extra), proposes(free), 0.7);
      expect(d.action).toBe("clarify");
      expect(d.reason).toContain(reason);
    }
  });

  test("offer_times takes a free alternate too; processes without times ignore proposals", () => {
    expect(decide(reply({ proposedTimes: proposed }), { ...proposes([MON_10]), bookingProcess: "offer_times" }, 0.7)).toMatchObject({ action: "book", slotStart: MON_10 });
    expect(decide(reply({ proposedTimes: proposed }), { ...proposes([]), bookingProcess: "offer_times" }, 0.7).action).toBe("clarify");
    const d = decide(reply({ proposedTimes: proposed }), { ...proposes([MON_10]), bookingProcess: "call_me" }, 0.7);
    expect(d).toEqual({ action: "review", reason: "no agreed time" });
  });

  test("link_first and call-backs are follow-ups, not reviews", () => {
    expect(decide(reply({}), { ...proposes([]), bookingProcess: "link_first" }, 0.7).action).toBe("follow_up");
    expect(decide(reply({ callbackRequested: true }), { ...proposes([]), bookingProcess: "offer_times" }, 0.7).action).toBe("follow_up");
  });
});

describe("nearestFreeSlots", () => {
  const free = [0, 15, 30, 45, 60, 90, 120, 180, 240].map((m) => MON_10 + m * 60_000);
  test("closest to what was asked, an hour apart, in time order", () => {
    expect(nearestFreeSlots([MON_10 + 100 * 60_000], free)).toEqual([30, 90, 180].map((m) => MON_10 + m * 60_000));
  });
  test("soonest when nothing usable was asked", () => {
    expect(nearestFreeSlots([], free, 2)).toEqual([MON_10, MON_10 + 60 * 60_000]);
  });
});

describe("planPostCall", () => {
  const opportunity = {
    phone: "+442079460958",
    email: "dana@clinic.example",
    qualificationAnswers: [{ question: "Size?", answer: "two" }],
    status: "Contacted" as const,
  };
  const followUp: Decision = { action: "follow_up", reason: "booking link promised" };

  test("link_first: the link email, answers merged with earlier ones", () => {
    const plan = planPostCall({
      process: "link_first",
      reply: reply({ qualificationAnswers: [{ question: "size?", answer: "three" }, { question: "Budget?", answer: "5k" }] }),
      decision: followUp,
      opportunity,
      agencyZone: ZONE,
    });
    expect(plan.emails).toEqual([{ kind: "booking_link" }]);
    expect(plan.opportunityPatch.qualificationAnswers).toEqual([
      { question: "size?", answer: "three" },
      { question: "Budget?", answer: "5k" },
    ]);
  });

  test("nobody who opted out, has no email or is already booked is emailed", () => {
    const cases = [
      [{ optOut: true }, opportunity],
      [{}, { ...opportunity, email: undefined }],
      [{}, { ...opportunity, status: "Booked" }],
    ] as const;
    for (const [extra, opp] of cases) {
      expect(planPostCall({ process: "link_first", reply: reply(extra), decision: followUp, opportunity: opp, agencyZone: ZONE }).emails).toEqual([]);
    }
  });

  test("call-back numbers are read in the called number's country; an invalid one is kept only on the task", () => {
    const local = planPostCall({ process: "call_me", reply: reply({ callbackRequested: true, callbackPhone: "020 7946 0959" }), decision: followUp, opportunity, agencyZone: ZONE });
    expect(local.opportunityPatch.callbackPhone).toBe("+442079460959");
    expect(local.tasks).toMatchObject([{ type: "call_back", perOpportunity: true, details: { callbackPhone: "+442079460959", numberValid: true } }]);
    expect(local.events).toEqual(["call_requested"]);

    const bad = planPostCall({ process: "call_me", reply: reply({ callbackRequested: true, callbackPhone: "12" }), decision: followUp, opportunity, agencyZone: ZONE });
    expect(bad.opportunityPatch.callbackPhone).toBeUndefined();
    expect(bad.tasks[0].details).toEqual({ callbackPhone: "12", numberValid: false });
  });

  test("a scheduler link is handed on only when it is a URL", () => {
    const ok = planPostCall({ process: "prospect_link", reply: reply({ schedulerLink: "https://calendly.com/dana/30min", bookOnSchedulerLink: true }), decision: followUp, opportunity, agencyZone: ZONE });
    expect(ok.schedulerLink).toEqual({ link: "https://calendly.com/dana/30min", book: true });
    const spoken = planPostCall({ process: "prospect_link", reply: reply({ schedulerLink: "my calendly" }), decision: followUp, opportunity, agencyZone: ZONE });
    expect(spoken.schedulerLink).toBeNull();
  });
});

test("mergeAnswers ignores empty answers", () => {
  expect(mergeAnswers([{ question: "A", answer: "1" }], [{ question: "a", answer: " " }])).toEqual([{ question: "A", answer: "1" }]);
});

describe("prompt per process", () => {
  const base = {
    agencyName: "Brightline",
    prospectName: "Dana",
    agencyZone: ZONE,
    now: at("2026-11-21T10:00:00-05:00"),
    meetingDurationMinutes: 30,
    offeredSlots: [
      { id: "S1", start: MON_10 },
      { id: "S2", start: TUE_14 },
    ],
    availabilityWindows: ["Mon-Fri 09:00-17:00"],
    minNoticeMinutes: 120,
    horizonDays: 7,
    bookingLink: "https://cal.example/b",
    qualificationQuestions: ["How many clinics?"],
  };
  const order = (text: string, ...parts: string[]) => parts.map((p) => text.indexOf(p));

  test("offer_times: times first, the same text as without a process", () => {
    const plain = { ...base, qualificationQuestions: undefined };
    expect(buildSchedulingPrompt({ ...plain, bookingProcess: "offer_times" })).toBe(buildSchedulingPrompt(plain));
    const withQuestions = buildSchedulingPrompt(base);
    const [times, questions] = order(withQuestions, "Offer these free times", "How many clinics?");
    expect(times).toBeGreaterThan(0);
    expect(questions).toBeGreaterThan(times);
    expect(withQuestions).not.toContain(base.bookingLink);
  });

  test("link_first: questions first, then the link, no times", () => {
    const text = buildSchedulingPrompt({ ...base, offeredSlots: [], bookingProcess: "link_first" });
    const [questions, link] = order(text, "How many clinics?", base.bookingLink);
    expect(questions).toBeGreaterThan(0);
    expect(link).toBeGreaterThan(questions);
    expect(text).not.toContain("Offer these free times");
  });

  test("offered times carry their ids; one outside the prospect's waking hours is flagged to say so", () => {
    const MON_9 = at("2026-11-23T09:00:00-05:00");
    const text = buildSchedulingPrompt({ ...base, prospectZone: "Asia/Tokyo", offeredSlots: [{ id: "S1", start: MON_9 }, { id: "S2", start: MON_10 }] });
    // Monday 09:00 and 10:00 New York are 23:00 Monday and 00:00 Tuesday in Tokyo.
    expect(text).toContain("S1: Mon, Nov 23, 11:00 PM GMT+9 [2026-11-23T09:00:00-05:00] (late evening for Dana: say so)");
    expect(text).toContain("S2: Tue, Nov 24, 12:00 AM GMT+9 [2026-11-23T10:00:00-05:00] (early morning for Dana: say so)");
    expect(text).toContain("pass the agreed time's id (e.g. S1) to book_meeting as slotId");
    expect(buildSchedulingPrompt(base)).toContain("S2: Tue, Nov 24, 2:00 PM EST [2026-11-24T14:00:00-05:00]\n");
  });

  test("prospect_link: their link first, then times", () => {
    const text = buildSchedulingPrompt({ ...base, bookingProcess: "prospect_link" });
    const [link, times] = order(text, "scheduling link of their own", "Offer these free times");
    expect(link).toBeGreaterThan(0);
    expect(times).toBeGreaterThan(link);
  });
});

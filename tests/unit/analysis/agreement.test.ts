/** Review of issues 7 and 11: cases the merged code gets wrong (each test fails on main at cc18467). */
import { describe, expect, test } from "vitest";
import { agreementQuoted, quoteFitsSlot } from "../../../convex/model/analysis/evidence";
import { decide, type DecisionContext } from "../../../convex/model/analysis/decide";
import { analysisReply, type AnalysisReply } from "../../../convex/model/analysis/reply";
import type { TranscriptMessage } from "../../../convex/model/providers/vapiMessages";
import { pickSlots } from "../../../convex/model/calls/tools";
import { DateTime } from "luxon";

const NY = "America/New_York";
const ny = { agencyZone: NY, prospectZone: NY };
const TUE_14 = Date.parse("2026-11-24T19:00:00Z"); // Tuesday 2 PM EST
const WED_10 = Date.parse("2026-11-25T15:00:00Z"); // Wednesday 10 AM EST
const said = (...lines: [string, string][]): TranscriptMessage[] =>
  lines.map(([who, text]) => ({ role: who === "AI" ? "assistant" : "user", text }));

describe("issue 7 req 4: evidence must not be part of a refusal", () => {
  test.each([
    "Tuesday at 2 PM? No, I can't.",
    "Tuesday at 2 PM, no way.",
    "Tuesday at 2 PM... nope, sorry.",
  ])("a quote followed by its refusal in the same line is not agreement: %s", (line) => {
    expect(agreementQuoted("Tuesday at 2 PM", said(["AI", "How about Tuesday at 2 PM?"], ["User", line]), TUE_14, ny)).toBe(false);
  });

  test("an assent taken back in the next clause is not agreement; one followed by politeness is", () => {
    const asked = ["AI", "How about Tuesday at 2 PM?"] as [string, string];
    expect(agreementQuoted("Sure", said(asked, ["User", "Sure, but not at 2 PM."]), TUE_14, ny)).toBe(false);
    expect(agreementQuoted("Sure", said(asked, ["User", "Sure, no problem."]), TUE_14, ny)).toBe(true);
  });
});

const ctx = (free: number[], messages: TranscriptMessage[], offered = [{ id: "S1", start: TUE_14 }, { id: "S2", start: WED_10 }]): DecisionContext => ({
  zones: ny,
  offeredSlots: offered,
  messages,
  bookingProcess: "offer_times",
  check: (start) => (free.includes(start) ? { ok: true } : { ok: false, reason: "conflict" }),
  freeSlots: () => free,
});
const reply = (extra: Partial<AnalysisReply>): AnalysisReply =>
  analysisReply.parse({ meetingBooked: true, slotIso: null, confidence: 0.9, ...extra });

describe("issue 7 req 4: the quoted agreement is agreement to the slot booked", () => {
  test("evidence naming Tuesday 2 PM does not book S2 (Wednesday 10 AM)", () => {
    const lines = said(["AI", "I have Tuesday at 2 PM or Wednesday at 10 AM."], ["User", "Tuesday at 2 PM works for me."]);
    expect(decide(reply({ slotId: "S2", evidence: "Tuesday at 2 PM works for me" }), ctx([TUE_14, WED_10], lines), 0.7).action).not.toBe("book");
    expect(decide(reply({ slotId: "S1", evidence: "Tuesday at 2 PM works for me" }), ctx([TUE_14, WED_10], lines), 0.7).action).toBe("book");
  });

  test("a quote fits the slot when every time and day it names is the slot's; a bare 2:30 may mean 14:30", () => {
    const WED_1430 = Date.parse("2026-11-25T19:30:00Z");
    expect(quoteFitsSlot("How about Wednesday at 2:30", WED_1430, ny)).toBe(true);
    expect(quoteFitsSlot("Wednesday at 2:30 PM works", WED_1430, ny)).toBe(true);
    expect(quoteFitsSlot("Wednesday at 2:30", TUE_14, ny)).toBe(false);
    expect(quoteFitsSlot("Yes, that works", TUE_14, ny)).toBe(true);
  });
});

describe("issue 7 req 8: a taken alternate in offer_times is a clarify_time, however the model flags it", () => {
  test("meetingBooked with an agreedTime that is taken: clarify with the nearest free times, not a bare review", () => {
    const lines = said(
      ["AI", "I have Tuesday at 2 PM or Wednesday at 10 AM."],
      ["User", "Neither works. How about Wednesday at 2:30 PM?"],
      ["AI", "Wednesday at 2:30 PM, let me note that."],
    );
    const d = decide(
      reply({ agreedTime: { date: "2026-11-25", time: "14:30", zone: "prospect" }, evidence: "How about Wednesday at 2:30 PM" }),
      ctx([TUE_14, WED_10], lines),
      0.7,
    );
    expect(d.action).toBe("clarify");
  });
});

describe("issue 7 req 5: check_availability's nearest times stay in the prospect's waking hours when such slots exist", () => {
  test("a Sydney prospect asking for a day with nothing free is not offered 07:00 and 07:30 while 08:00-09:00 is free", () => {
    // A New York agency's Friday, Nov 27 2026, 09:00-16:30 every 30 minutes (Sat 01:00-08:30 in Sydney).
    const friday = Array.from({ length: 16 }, (_, i) => Date.parse("2026-11-27T14:00:00Z") + i * 30 * 60_000);
    const picked = pickSlots(friday, "Australia/Sydney", { date: "2026-11-29" }, Date.parse("2026-11-26T12:00:00Z"));
    expect(picked.matched).toBe(false);
    const hours = picked.slots.map((s) => DateTime.fromMillis(s, { zone: "Australia/Sydney" }).hour);
    expect(hours.every((h) => h >= 8 && h < 20)).toBe(true);
  });
});

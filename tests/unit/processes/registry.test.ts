/** The registry of booking processes: the one list the schema, the prompt, the analysis and the decision read. */
import { describe, expect, test } from "vitest";
import { decide, type DecisionContext } from "../../../convex/model/analysis/decide";
import { buildAnalysisMessages } from "../../../convex/model/analysis/messages";
import { analysisReply } from "../../../convex/model/analysis/reply";
import { effectiveProcess, PROCESS_NAMES, PROCESSES, processRefusal, processSpec } from "../../../convex/model/processes";
import { planPostCall } from "../../../convex/model/processes/postCall";
import { buildSchedulingPrompt } from "../../../convex/model/calls/prompt";
import { bookingProcess } from "../../../convex/schema";

const ZONE = "America/New_York";
const MON_10 = Date.parse("2026-11-23T10:00:00-05:00");
const promptInput = {
  agencyName: "Brightline",
  prospectName: "Dana",
  agencyZone: ZONE,
  now: Date.parse("2026-11-21T10:00:00-05:00"),
  meetingDurationMinutes: 30,
  offeredSlots: [{ id: "S1", start: MON_10 }],
  availabilityWindows: ["Mon-Fri 09:00-17:00"],
  minNoticeMinutes: 120,
  horizonDays: 7,
  bookingLink: "https://cal.example/b",
};

describe("registry", () => {
  test("the schema's bookingProcess union is exactly the registered names, each once", () => {
    expect(bookingProcess.members.map((m) => m.value)).toEqual(PROCESS_NAMES);
    expect(new Set(PROCESS_NAMES).size).toBe(PROCESSES.length);
    // Stored agencies, opportunities and calls name these: a process is added, never dropped.
    expect(PROCESS_NAMES).toEqual(expect.arrayContaining(["offer_times", "link_first", "prospect_proposes", "call_me", "prospect_link"]));
  });

  test("a call without a process runs offer_times; the call's, then the opportunity's, then the agency's choice wins", () => {
    expect(processSpec(undefined).name).toBe("offer_times");
    expect(effectiveProcess({}, {})).toBe("offer_times");
    expect(effectiveProcess({ bookingProcess: "call_me" }, {})).toBe("call_me");
    expect(effectiveProcess({ bookingProcess: "call_me" }, { bookingProcess: "link_first" })).toBe("link_first");
    expect(effectiveProcess({ bookingProcess: "call_me" }, { bookingProcess: "link_first" }, { bookingProcess: "prospect_link" })).toBe("prospect_link");
  });

  test("only a process that needs the agency's booking link is refused without one", () => {
    for (const spec of PROCESSES) {
      expect(processRefusal(spec.name, {})).toBe(spec.needsBookingLink ? `bookingProcess "${spec.name}" needs a bookingLink` : null);
      expect(processRefusal(spec.name, { bookingLink: "https://cal.example/b" })).toBeNull();
    }
    expect(processSpec("link_first").needsBookingLink).toBe(true);
  });

  test("every process that offers times also takes a free time the prospect proposed instead", () => {
    for (const spec of PROCESSES.filter((s) => s.offersTimes)) expect(spec.decision.proposedTimes).not.toBe("ignored");
    const reply = analysisReply.parse({ meetingBooked: false, confidence: 0.9, evidence: "Monday at 10 AM", proposedTimes: ["2026-11-23T10:00:00-05:00"] });
    for (const spec of PROCESSES) {
      const context: DecisionContext = {
        zones: { agencyZone: ZONE, prospectZone: ZONE },
        offeredSlots: [],
        messages: [{ role: "user", text: "Monday at 10 AM." }],
        bookingProcess: spec.name,
        check: (start) => (start === MON_10 ? { ok: true } : { ok: false, reason: "conflict" }),
        freeSlots: () => [MON_10],
      };
      expect(decide(reply, context, 0.7).action).toBe(spec.decision.proposedTimes === "ignored" ? (spec.decision.otherwise?.action ?? "review") : "book");
    }
  });

  test("every prompt opens with the process's goal, asks the agency's questions, and ends with the decline rule", () => {
    for (const spec of PROCESSES) {
      const text = buildSchedulingPrompt({ ...promptInput, bookingProcess: spec.name, qualificationQuestions: ["How many clinics?"] });
      const lines = text.split("\n");
      expect(lines[2]).toBe(spec.instructions.goal({ ...promptInput, prospectZone: ZONE }));
      expect(text).toContain("Q1. How many clinics?");
      expect(lines.at(-1)).toBe("- If they decline or ask not to be called again, acknowledge politely and end the call.");
      expect(text.includes("Offer these free times")).toBe(spec.offersTimes);
      expect(buildSchedulingPrompt({ ...promptInput, bookingProcess: spec.name })).not.toContain("qualification questions");
    }
  });

  test("a process's analysis hints reach the analysis prompt, and only that process's", () => {
    const context = (name: (typeof PROCESS_NAMES)[number]) =>
      buildAnalysisMessages({
        now: promptInput.now,
        agencyZone: ZONE,
        prospectZone: ZONE,
        meetingDurationMinutes: 30,
        slotIntervalMinutes: 15,
        offeredSlots: [],
        gridSummary: "",
        messages: [{ role: "user", text: "Monday at ten." }],
        bookingProcess: name,
      })[1].content;
    const hinted = PROCESSES.filter((s) => s.analysisHints.length > 0);
    expect(hinted.map((s) => s.name)).toContain("prospect_proposes");
    for (const spec of PROCESSES) {
      for (const other of hinted) {
        for (const hint of other.analysisHints) expect(context(spec.name).includes(hint)).toBe(spec === other);
      }
    }
  });

  test("a process's own post-call additions are added to the plan only for it", () => {
    const reply = analysisReply.parse({ meetingBooked: false, confidence: 0.9, evidence: null });
    const opportunity = { phone: "+12125550123", email: "dana@clinic.example", status: "Contacted" as const };
    for (const spec of PROCESSES) {
      const plan = planPostCall({ process: spec.name, reply, decision: { action: "follow_up", reason: "r" }, opportunity, agencyZone: ZONE });
      const own = spec.postCall?.({ decision: { action: "follow_up", reason: "r" }, mayContact: true }) ?? {};
      expect(plan.emails).toEqual(own.emails ?? []);
      expect(plan.events).toEqual(own.events ?? []);
    }
    expect(processSpec("link_first").postCall?.({ decision: { action: "follow_up", reason: "r" }, mayContact: true })).toEqual({
      emails: [{ kind: "booking_link" }],
      events: ["positive_lead"],
    });
  });
});

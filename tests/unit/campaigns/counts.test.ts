import { describe, expect, test } from "vitest";
import { countMove, emptyCounts, publicCounts, stateForCall } from "../../../convex/model/campaigns/counts";

const running = { campaignStatus: "running" as const, opportunity: null };

describe("stateForCall", () => {
  test.each([
    ["scheduled", undefined, "waiting"],
    ["queued", undefined, "dialling"],
    ["ringing", undefined, "dialling"],
    ["in-progress", undefined, "live"],
    ["forwarding", undefined, "live"],
    ["failed", "failed", "failed"],
    ["ended", "booked", "booked"],
    ["ended", "rejected", "rejected"],
    ["ended", "completed", "reached"],
    ["ended", "no_answer", "no_answer"],
    ["ended", "busy", "no_answer"],
    ["ended", "voicemail", "no_answer"],
    ["ended", "failed", "failed"],
    ["ended", undefined, null],
  ] as const)("%s with outcome %s -> %s", (status, outcome, expected) => {
    expect(stateForCall({ status, outcome }, running)).toBe(expected);
  });

  test("a cancelled attempt is read with its prospect and campaign", () => {
    const cancelled = { status: "cancelled" as const, outcome: undefined };
    expect(stateForCall(cancelled, { campaignStatus: "running", opportunity: { status: "New", doNotCall: true } })).toBe("opted_out");
    expect(stateForCall(cancelled, { campaignStatus: "running", opportunity: { status: "Booked" } })).toBe("booked");
    expect(stateForCall(cancelled, { campaignStatus: "running", opportunity: { status: "Rejected" } })).toBe("rejected");
    expect(stateForCall(cancelled, { campaignStatus: "paused", opportunity: { status: "New" } })).toBe("pending");
    expect(stateForCall(cancelled, { campaignStatus: "running", opportunity: { status: "Contacted" } })).toBe("failed");
  });
});

describe("counts", () => {
  test("moves keep the total; skips count their reason; staff see pending and queued as waiting", () => {
    let c = emptyCounts();
    c = countMove(c, null, "pending");
    c = countMove(c, null, "pending");
    c = countMove(c, null, "pending");
    c = countMove(c, "pending", "queued");
    c = countMove(c, "pending", "skipped", "in_flight");
    c = countMove(c, "queued", "waiting");
    c = countMove(c, "waiting", "dialling");
    const shown = publicCounts(c);
    expect(shown).toMatchObject({ waiting: 1, dialling: 1, skipped: 1, total: 3 });
    expect(shown.skippedBy).toEqual({ booked: 0, rejected: 0, opted_out: 0, in_flight: 1, no_free_slots: 0 });
  });

  test("a move never changes the counts it was given", () => {
    const before = emptyCounts();
    countMove(before, null, "skipped", "booked");
    expect(before).toEqual(emptyCounts());
  });
});

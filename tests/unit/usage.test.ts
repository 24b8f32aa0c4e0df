import { describe, expect, test } from "vitest";
import { callUsage, usageMonth } from "../../convex/model/usage";
import { funnelValue } from "../../convex/model/calls/funnel";

describe("usage", () => {
  test("months are UTC calendar months", () => {
    expect(usageMonth(Date.parse("2026-11-30T23:59:59.999Z"))).toBe("2026-11");
    expect(usageMonth(Date.parse("2026-12-01T00:00:00Z"))).toBe("2026-12");
    expect(usageMonth(Date.parse("2027-01-01T04:00:00Z"))).toBe("2027-01");
  });

  test("a call adds its seconds, its whole minutes rounded up, and its cost in micro-dollars", () => {
    expect(callUsage({ durationSeconds: 61.4, cost: 0.1234567 })).toEqual({ connectedSeconds: 61, billedMinutes: 2, callCostMicros: 123457 });
    expect(callUsage({ durationSeconds: 180 })).toEqual({ connectedSeconds: 180, billedMinutes: 3, callCostMicros: 0 });
    expect(callUsage({})).toEqual({ connectedSeconds: 0, billedMinutes: 0, callCostMicros: 0 });
  });
});

describe("funnel value", () => {
  test("pipeline value and ROI need a meeting value; ROI needs a cost", () => {
    expect(funnelValue({ booked: 3, cost: 1.5 }, 500)).toEqual({ pipelineValue: 1500, roi: 999 });
    expect(funnelValue({ booked: 0, cost: 2 }, 500)).toEqual({ pipelineValue: 0, roi: -1 });
    expect(funnelValue({ booked: 2, cost: 0 }, 500)).toEqual({ pipelineValue: 1000, roi: null });
    expect(funnelValue({ booked: 2, cost: 1 }, undefined)).toEqual({ pipelineValue: null, roi: null });
  });
});

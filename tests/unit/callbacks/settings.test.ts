import { describe, expect, test } from "vitest";
import { checkCallbackSettings } from "../../../convex/model/callbacks/settings";
import { callbackFunnel, median } from "../../../convex/model/callbacks/funnel";
import { fallbackEmail } from "../../../convex/model/callbacks/fallback";

describe("callback settings", () => {
  test("defaults and E.164", () => {
    expect(checkCallbackSettings({ enabled: true, staffPhone: "212 555 0142" })).toEqual({
      enabled: true,
      staffPhone: "+12125550142",
      maxAttempts: 0,
      retryDelayMinutes: 5,
      maxCallbacksPerDay: 20,
    });
  });

  test("each bad field is named", () => {
    expect(() => checkCallbackSettings({ enabled: true })).toThrow(/staffPhone is required/);
    expect(() => checkCallbackSettings({ enabled: true, staffPhone: "+44 12" })).toThrow(/staffPhone is not a valid international/);
    expect(() => checkCallbackSettings({ enabled: true, staffPhone: "+12125550142", maxAttempts: -1 })).toThrow(/maxAttempts/);
    expect(() => checkCallbackSettings({ enabled: true, staffPhone: "+12125550142", retryDelayMinutes: 2.5 })).toThrow(/retryDelayMinutes/);
    expect(() => checkCallbackSettings({ enabled: true, staffPhone: "+12125550142", maxCallbacksPerDay: 0 })).toThrow(/maxCallbacksPerDay/);
  });
});

describe("callback funnel and fallback email", () => {
  test("median minutes from message to connection over connected messages only", () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const m = (created: number, status: string, connectedAt?: number) => ({ _creationTime: created, status, connectedAt });
    expect(callbackFunnel([m(0, "connected", 120_000), m(0, "connected", 600_000), m(0, "fallback"), m(0, "connected", 300_000)])).toEqual({
      messagesTaken: 4,
      callbacksConnected: 3,
      medianMinutesToConnection: 5,
    });
  });

  test("the fallback email names the caller, their number and the message", () => {
    const email = fallbackEmail({ customerName: "Sam Ortiz", customerPhone: "+12015550187", text: "Call me today.", urgent: true });
    expect(email.subject).toBe("Urgent: call Sam Ortiz back on +12015550187");
    expect(email.text).toContain("Message: Call me today.");
  });
});

import { describe, expect, test } from "vitest";
import { bookingChange, bookingText, canReceiveTexts, defaultTextBack } from "../../../convex/model/texts/compose";

const agency = { name: "Brightline Growth", inboundPhoneNumber: "+12125550100" };
// Tue 10 Mar 2026 14:30 UTC: 10:30 EDT, 07:30 PDT (the US changed clocks on 8 March, Europe not yet).
const MEETING = Date.parse("2026-03-10T14:30:00Z");

describe("text wording", () => {
  test("the default text-back names the agency, with its booking link when it has one", () => {
    expect(defaultTextBack(agency)).toBe("Hi, this is Brightline Growth. Sorry we missed your call! Call us back any time and we'll be glad to help.");
    expect(defaultTextBack({ ...agency, bookingLink: "https://cal.example/brightline" })).toContain(
      "Brightline Growth. Sorry we missed your call! Book a time that suits you here: https://cal.example/brightline",
    );
  });

  test("a booking text gives the time in the prospect's zone, the agency and how to change it", () => {
    expect(bookingText("booked", MEETING, "America/Los_Angeles", agency)).toBe(
      "Brightline Growth: your meeting is booked for Tue, Mar 10, 7:30 AM PDT. To change it, call us at +12125550100.",
    );
    expect(bookingText("rescheduled", MEETING, "Europe/London", { name: "Brightline Growth", bookingLink: "https://cal.example/b" })).toBe(
      "Brightline Growth: your meeting has moved to Tue, Mar 10, 2:30 PM GMT. To change it, go to https://cal.example/b",
    );
    expect(bookingText("cancelled", MEETING, "America/New_York", { name: "Brightline Growth", email: "team@brightline.test" })).toBe(
      "Brightline Growth: your meeting on Tue, Mar 10, 10:30 AM EDT is cancelled.",
    );
  });

  test("which meeting states send a text, by sequence", () => {
    expect(bookingChange("booked", 0)).toBe("booked");
    expect(bookingChange("booked", 2)).toBe("rescheduled");
    expect(bookingChange("cancelled", 1)).toBe("cancelled");
    expect(bookingChange("completed", 0)).toBeNull();
    expect(bookingChange("no_show", 1)).toBeNull();
  });
});

describe("canReceiveTexts", () => {
  test("landlines cannot; mobiles and numbers that may be either (all US numbers) can", () => {
    expect(canReceiveTexts("+442071838750")).toBe(false); // London landline
    expect(canReceiveTexts("+33142685300")).toBe(false); // Paris landline
    expect(canReceiveTexts("+447911123456")).toBe(true); // UK mobile
    expect(canReceiveTexts("+12015550123")).toBe(true); // US: FIXED_LINE_OR_MOBILE
  });
});

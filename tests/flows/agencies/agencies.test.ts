import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { newBackend } from "../../helpers/backend";
import { rows } from "../../helpers/world";

const base = { name: "Brightline Growth", timeZone: "America/New_York", availability: ["Tue 10:00-12:00"] };

describe("agencies.create", () => {
  test("applies the documented defaults", { timeout: 60_000 }, async () => {
    const t = newBackend();
    const id = await t.mutation(internal.agencies.create, base);
    const agency = await t.run((ctx) => ctx.db.get("agencies", id));
    expect(agency).toMatchObject({
      slotIntervalMinutes: 15,
      meetingDurationMinutes: 30,
      bufferMinutes: 0,
      minNoticeMinutes: 120,
      horizonDays: 7,
    });
  });

  test.each([
    [{ timeZone: "Mars/Olympus" }, /timeZone is not a known IANA time zone/],
    [{ availability: ["Tue 10-12"] }, /availability\[0\] has a time that is not HH:MM/],
    [{ availability: ["Mon 09:00-10:00", "Funday 10:00-12:00"] }, /availability\[1\] has an unknown weekday/],
    [{ availability: ["Tue 12:00-10:00"] }, /availability\[0\] ends before it starts/],
    [{ meetingDurationMinutes: 0 }, /meetingDurationMinutes must be a whole number from 5 to 480/],
    [{ email: "team at brightline" }, /email is not a valid address/],
    [{ bookingLink: "brightline dot com" }, /bookingLink is not a URL/],
  ])("refuses %o naming the field and why, writing nothing", async (override, message) => {
    const t = newBackend();
    await expect(t.mutation(internal.agencies.create, { ...base, ...override })).rejects.toThrow(message);
    expect(await rows(t, "agencies")).toHaveLength(0);
  });
});

describe("opportunities.create", () => {
  test("stores the phone in E.164 with status New", async () => {
    const t = newBackend();
    const agencyId = await t.mutation(internal.agencies.create, base);
    const id = await t.mutation(internal.opportunities.create, { agencyId, name: "Dana", phone: "(201) 555-0123" });
    expect(await t.run((ctx) => ctx.db.get("opportunities", id))).toMatchObject({ phone: "+12015550123", status: "New" });
  });

  test("refuses an invalid number", async () => {
    const t = newBackend();
    const agencyId = await t.mutation(internal.agencies.create, base);
    await expect(
      t.mutation(internal.opportunities.create, { agencyId, name: "Dana", phone: "12345" }),
    ).rejects.toThrow(/phone is not a valid number for US/);
  });
});

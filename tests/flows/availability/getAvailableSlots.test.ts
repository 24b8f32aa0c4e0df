import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { FunctionArgs } from "convex/server";
import { MAX_PAGE_SLOTS } from "../../../convex/availability";
import { setupWorld } from "../../helpers/world";

// Mon 2026-03-09 08:00 EDT. With 120 minutes of notice and a 7-day horizon, the only
// available Tuesday is 2026-03-10 (Tue 17th is past the horizon end, Mon 16th 08:00).
const NOW = "2026-03-09T12:00:00Z";
const agencyArgs = {
  name: "Brightline Growth",
  timeZone: "America/New_York",
  availability: ["Tue 10:00-12:00"],
  slotIntervalMinutes: 30,
};
const TUESDAY = [
  { iso: "2026-03-10T10:00:00-04:00", label: "Tue, Mar 10, 10:00 AM EDT" },
  { iso: "2026-03-10T10:30:00-04:00", label: "Tue, Mar 10, 10:30 AM EDT" },
  { iso: "2026-03-10T11:00:00-04:00", label: "Tue, Mar 10, 11:00 AM EDT" },
  { iso: "2026-03-10T11:30:00-04:00", label: "Tue, Mar 10, 11:30 AM EDT" },
];

/** The seeded world on Monday 9 March 2026: Brightline meets Tue 10:00-12:00 every 30 minutes; Dana in `prospectZone` if given. */
function seed(overrides: Partial<FunctionArgs<typeof internal.agencies.create>> = {}, prospectZone?: string) {
  return setupWorld({
    now: Date.parse(NOW),
    agency: { ...agencyArgs, email: undefined, ...overrides },
    prospect: { name: "Dana", phone: "(201) 555-0123", email: undefined, timeZone: prospectZone },
  });
}

type Seeded = Awaited<ReturnType<typeof seed>>;

async function addMeeting(
  { t, opportunityId }: Seeded,
  agencyId: Id<"agencies">,
  iso: string,
  durationMinutes: number,
  status: "booked" | "cancelled" = "booked",
) {
  await t.run((ctx) =>
    ctx.db.insert("meetings", {
      agencyId,
      opportunityId,
      meetingTime: Date.parse(iso),
      durationMinutes,
      source: "staff",
      status,
      sequence: 0,
    }),
  );
}

describe("availability.getAvailableSlots", () => {
  test("lists the free slots in agency time with the windows as entered", { timeout: 60_000 }, async () => {
    const { t, agencyId } = await seed();
    expect(await t.query(internal.availability.getAvailableSlots, { agencyId })).toEqual({
      slots: TUESDAY,
      total: 4,
      truncated: false,
      nextFrom: null,
      availabilityWindows: ["Tue 10:00-12:00"],
    });
  });

  test('"now" comes from the clock: later in the week the next Tuesday is in the horizon', async () => {
    const { t, agencyId } = await seed();
    vi.setSystemTime(new Date("2026-03-10T14:45:00Z")); // Tue 10:45 EDT: today's slots are within notice
    const { slots } = await t.query(internal.availability.getAvailableSlots, { agencyId });
    expect(slots.map((s) => s.iso)).toEqual(["2026-03-17T10:00:00-04:00", "2026-03-17T10:30:00-04:00"]);
  });

  test("a booked meeting blocks its slot; a cancelled one does not", async () => {
    const seeded = await seed();
    await addMeeting(seeded, seeded.agencyId, "2026-03-10T14:30:00Z", 30); // 10:30 EDT
    await addMeeting(seeded, seeded.agencyId, "2026-03-10T15:00:00Z", 30, "cancelled"); // 11:00 EDT
    const { slots } = await seeded.t.query(internal.availability.getAvailableSlots, { agencyId: seeded.agencyId });
    expect(slots).toEqual([TUESDAY[0], TUESDAY[2], TUESDAY[3]]);
  });

  test("a meeting that starts before the window but runs into it blocks the first slot", async () => {
    const seeded = await seed();
    await addMeeting(seeded, seeded.agencyId, "2026-03-10T13:00:00Z", 90); // 09:00-10:30 EDT
    const { slots } = await seeded.t.query(internal.availability.getAvailableSlots, { agencyId: seeded.agencyId });
    expect(slots).toEqual(TUESDAY.slice(1)); // 10:30 just touches its end
  });

  test("the buffer applies around booked meetings", async () => {
    const seeded = await seed({ bufferMinutes: 15 });
    await addMeeting(seeded, seeded.agencyId, "2026-03-10T15:00:00Z", 30); // 11:00-11:30, blocked 10:45-11:45
    const { slots } = await seeded.t.query(internal.availability.getAvailableSlots, { agencyId: seeded.agencyId });
    expect(slots).toEqual([TUESDAY[0]]);
  });

  test("only meetings in the read range count: older history and other agencies are not read", async () => {
    const seeded = await seed();
    const other = await seeded.t.mutation(internal.agencies.create, { ...agencyArgs, name: "Other Agency" });
    await addMeeting(seeded, other, "2026-03-10T14:00:00Z", 120); // another agency's Tuesday
    // A (hypothetical) meeting long before the horizon whose length would cover every slot:
    // it is outside the index range, so it is never read.
    await addMeeting(seeded, seeded.agencyId, "2026-02-20T14:00:00Z", 30 * 24 * 60);
    // And one after the horizon.
    await addMeeting(seeded, seeded.agencyId, "2026-03-17T14:00:00Z", 60);
    const { slots } = await seeded.t.query(internal.availability.getAvailableSlots, { agencyId: seeded.agencyId });
    expect(slots).toEqual(TUESDAY);
  });

  test("labels add the prospect's own time when their zone differs", async () => {
    const { t, agencyId, opportunityId } = await seed({}, "America/Los_Angeles");
    const { slots } = await t.query(internal.availability.getAvailableSlots, { agencyId, opportunityId });
    expect(slots.map((s) => s.iso)).toEqual(TUESDAY.map((s) => s.iso));
    expect(slots[0].label).toBe("Tue, Mar 10, 7:00 AM PDT (Tue, Mar 10, 10:00 AM EDT agency time)");
  });

  test("labels stay in agency time when the prospect's zone is unknown or the same", async () => {
    for (const zone of [undefined, "America/New_York"]) {
      const { t, agencyId, opportunityId } = await seed({}, zone);
      const { slots } = await t.query(internal.availability.getAvailableSlots, { agencyId, opportunityId });
      expect(slots).toEqual(TUESDAY);
    }
  });

  test("empty availability lists no slots", async () => {
    const { t, agencyId } = await seed({ availability: [] });
    expect(await t.query(internal.availability.getAvailableSlots, { agencyId })).toEqual({
      slots: [],
      total: 0,
      truncated: false,
      nextFrom: null,
      availabilityWindows: [],
    });
  });

  test("an agency open all week on a 5-minute grid for 60 days lists its slots in capped pages with a count", { timeout: 30_000 }, async () => {
    const { t, agencyId } = await seed({
      availability: ["Mon-Sun 00:00-24:00"],
      slotIntervalMinutes: 5,
      meetingDurationMinutes: 15,
      minNoticeMinutes: 0,
      horizonDays: 60,
    });
    const first = await t.query(internal.availability.getAvailableSlots, { agencyId });
    expect(first.total).toBeGreaterThan(8_192); // one array of them would break Convex's cap
    expect(first.slots).toHaveLength(MAX_PAGE_SLOTS);
    expect(first.truncated).toBe(true);
    // The next page starts where the first stopped, and counts what is left.
    const second = await t.query(internal.availability.getAvailableSlots, { agencyId, from: first.nextFrom! });
    expect(Date.parse(second.slots[0].iso)).toBe(first.nextFrom);
    expect(Date.parse(second.slots[0].iso)).toBeGreaterThan(Date.parse(first.slots.at(-1)!.iso));
    expect(second.total).toBe(first.total - MAX_PAGE_SLOTS);
    // The last page says so.
    const last = await t.query(internal.availability.getAvailableSlots, { agencyId, from: Date.parse(NOW) + 59.5 * 24 * 3_600_000 });
    expect(last).toMatchObject({ truncated: false, nextFrom: null });
    expect(last.slots.length).toBeGreaterThan(0);
    expect(last.slots).toHaveLength(last.total);
    await expect(t.query(internal.availability.getAvailableSlots, { agencyId, from: Number.NaN })).rejects.toThrow(/from/);
  });

  test("an unknown agency is refused naming it", async () => {
    const { t, agencyId } = await seed();
    await t.run((ctx) => ctx.db.delete("agencies", agencyId));
    await expect(t.query(internal.availability.getAvailableSlots, { agencyId })).rejects.toThrow(
      new RegExp(`agency ${agencyId} not found`),
    );
  });
});

/**
 * Busy is busy everywhere: blocks from the agency's connected calendar (stored in calendarBusy by the
 * sync, seeded directly here) remove exactly the slots they overlap from the listing, the call's offer
 * and the live check_availability tool, as a booked meeting over the same time would.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { isosIn, toolCall } from "../../helpers/vapiPayloads";
import { askTools, type Backend, calendarBusyBlock, placeCall, rows, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

/** Tuesday 24 November 2026 (EST, UTC-5) at `hhmm` New York time. */
const tue = (hhmm: string) => `2026-11-24T${hhmm}:00-05:00`;

async function listed(t: Backend, agencyId: Id<"agencies">) {
  const { slots, total } = await t.query(internal.availability.getAvailableSlots, { agencyId });
  expect(slots).toHaveLength(total); // one page: the assertions below see every free slot
  return slots.map((s) => s.iso);
}

describe("getAvailableSlots", () => {
  test("a busy block removes exactly the slots it overlaps; slots touching its edges stay", async () => {
    // The seeded world: Sat 21 Nov 10:00, Mon-Fri 09:00-17:00 every 15 minutes, 30-minute meetings.
    const { t, agencyId } = await setupWorld();
    const before = await listed(t, agencyId);
    expect(before).toHaveLength(155);
    await calendarBusyBlock(t, agencyId, tue("14:00"), tue("15:00"));
    const after = await listed(t, agencyId);
    expect(before.filter((iso) => !after.includes(iso))).toEqual([tue("13:45"), tue("14:00"), tue("14:15"), tue("14:30"), tue("14:45")]);
    expect(after.filter((iso) => !before.includes(iso))).toEqual([]);
    expect(after).toContain(tue("13:30")); // ends as the block starts
    expect(after).toContain(tue("15:00")); // starts as it ends
  });

  test("the agency's buffer applies around busy blocks as around meetings", async () => {
    const { t, agencyId } = await setupWorld({ agency: { bufferMinutes: 10 } });
    const before = await listed(t, agencyId);
    await calendarBusyBlock(t, agencyId, tue("14:00"), tue("15:00")); // blocked 13:50-15:10
    const after = await listed(t, agencyId);
    expect(before.filter((iso) => !after.includes(iso))).toEqual(
      ["13:30", "13:45", "14:00", "14:15", "14:30", "14:45", "15:00"].map(tue),
    );
  });

  test("another agency's blocks, and blocks that ended before the horizon, block nothing; one across a day blocks all of it", async () => {
    const { t, agencyId } = await setupWorld();
    const before = await listed(t, agencyId);
    const other = await t.mutation(internal.agencies.create, { name: "Other Agency", timeZone: "America/New_York", availability: ["Mon-Fri 09:00-17:00"] });
    await calendarBusyBlock(t, other, tue("09:00"), tue("17:00"));
    await calendarBusyBlock(t, agencyId, "2026-11-20T09:00:00-05:00", "2026-11-20T17:00:00-05:00"); // last Friday
    expect(await listed(t, agencyId)).toEqual(before);
    // Wednesday evening to Thursday evening: all of Thursday's slots.
    await calendarBusyBlock(t, agencyId, "2026-11-25T18:00:00-05:00", "2026-11-26T18:00:00-05:00");
    const after = await listed(t, agencyId);
    expect(before.filter((iso) => !after.includes(iso))).toEqual(before.filter((iso) => iso.startsWith("2026-11-26")));
    expect(before.filter((iso) => iso.startsWith("2026-11-26"))).toHaveLength(31);
  });

  test("a block across the New York fall-back is an hour long: it takes only the slots in that hour", async () => {
    // Thu 29 Oct 2026 (EDT); the agency meets Sunday nights 00:00-04:00 every 30 minutes. On Sun 1 Nov the clocks
    // go back at 02:00 EDT: the night is five hours long.
    const { t, agencyId } = await setupWorld({
      now: Date.parse("2026-10-29T12:00:00Z"),
      agency: { availability: ["Sun 00:00-04:00"], slotIntervalMinutes: 30 },
    });
    const night = [
      "2026-11-01T00:00:00-04:00",
      "2026-11-01T00:30:00-04:00",
      "2026-11-01T01:00:00-04:00",
      "2026-11-01T01:30:00-04:00",
      "2026-11-01T02:00:00-05:00",
      "2026-11-01T02:30:00-05:00",
      "2026-11-01T03:00:00-05:00",
      "2026-11-01T03:30:00-05:00",
    ];
    expect(await listed(t, agencyId)).toEqual(night);
    // 01:15 EDT to 01:15 EST (05:15Z-06:15Z): the same wall time twice, an hour apart.
    await calendarBusyBlock(t, agencyId, "2026-11-01T01:15:00-04:00", "2026-11-01T01:15:00-05:00");
    expect(await listed(t, agencyId)).toEqual(night.filter((iso) => !iso.startsWith("2026-11-01T01:")));
    const { slots } = await t.query(internal.availability.getAvailableSlots, { agencyId });
    expect(slots.map((s) => s.label).slice(1, 3)).toEqual(["Sun, Nov 1, 12:30 AM EDT", "Sun, Nov 1, 2:00 AM EST"]);
  });

  test("500 blocks in the horizon: the listing, a call's offer and a booking stay within the transaction limits", async () => {
    const { t, agencyId, opportunityId } = await setupWorld({ transactionLimits: true });
    const before = await listed(t, agencyId);
    // A full calendar: 70 one-minute blocks every evening and night for 7 nights, and 10 during working hours.
    const blocks: { start: number; end: number }[] = [];
    for (let night = 0; night < 7; night++) {
      const evening = Date.UTC(2026, 10, 21 + night, 23, 0); // 18:00 EST
      for (let i = 0; i < 70; i++) blocks.push({ start: evening + i * 12 * 60_000, end: evening + (i * 12 + 1) * 60_000 });
    }
    for (let k = 0; k < 10; k++) {
      const start = Date.UTC(2026, 10, 23 + (k % 5), 14 + k % 7, 10); // 09:10 EST onwards
      blocks.push({ start, end: start + 20 * 60_000 });
    }
    await t.run(async (ctx) => {
      for (const b of blocks) await ctx.db.insert("calendarBusy", { agencyId, ...b, source: "google" });
    });
    expect(await rows(t, "calendarBusy")).toHaveLength(500);

    const after = await listed(t, agencyId);
    const overlaps = (iso: string) => blocks.some((b) => b.start < Date.parse(iso) + 30 * 60_000 && b.end > Date.parse(iso));
    expect(after).toEqual(before.filter((iso) => !overlaps(iso)));
    expect(before.length - after.length).toBeGreaterThanOrEqual(20);

    const { call } = await placeCall(t, opportunityId);
    expect(call.offeredSlotsISO).toHaveLength(4);
    for (const iso of call.offeredSlotsISO) expect(after).toContain(iso);
    const booked = await t.mutation(internal.meetings.finalizeBooking, { callId: call._id, isoTimestamp: call.offeredSlotsISO[1] });
    expect(booked.status).toBe("booked");
  });
});

describe("the call's offer and check_availability", () => {
  test("the prompt offers the first free times after the busy blocks, not the times inside them", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    // Without blocks the call offers Mon 9:00 AM, Tue 12:00 PM, Wed 9:00 AM and Thu 12:00 PM.
    await calendarBusyBlock(t, agencyId, "2026-11-23T09:00:00-05:00", "2026-11-23T10:00:00-05:00");
    await calendarBusyBlock(t, agencyId, tue("12:00"), tue("13:30"));
    const { call, prompt } = await placeCall(t, opportunityId);
    expect(call.offeredSlotsISO).toEqual(["2026-11-23T10:00:00-05:00", tue("13:30"), "2026-11-25T09:00:00-05:00", "2026-11-26T12:00:00-05:00"]);
    expect(prompt).toContain("S1: Mon, Nov 23, 10:00 AM EST [2026-11-23T10:00:00-05:00]");
    expect(prompt).toContain("S2: Tue, Nov 24, 1:30 PM EST [2026-11-24T13:30:00-05:00]");
    expect(prompt).not.toMatch(/Mon, Nov 23, 9:00 AM|Tue, Nov 24, 12:00 PM/);
  });

  test("the offer of a call placed without blocks, for comparison", async () => {
    const { t, opportunityId } = await setupWorld();
    const { call } = await placeCall(t, opportunityId);
    expect(call.offeredSlotsISO).toEqual(["2026-11-23T09:00:00-05:00", tue("12:00"), "2026-11-25T09:00:00-05:00", "2026-11-26T12:00:00-05:00"]);
  });

  test("check_availability during the call sees a block synced after the call was placed", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    const ask = async (id: string) =>
      (await askTools(t, vapiCallId, callId, [toolCall(id, "check_availability", { date: "2026-11-24", timeOfDay: "afternoon" })])).results[0].result;
    expect(isosIn(await ask("call_check_1"))).toEqual([tue("12:00"), tue("14:00"), tue("16:00")]);
    await calendarBusyBlock(t, agencyId, tue("12:00"), tue("14:15"));
    const result = await ask("call_check_2");
    expect(result).toMatch(/^Free times: S\d+: Tue, Nov 24, 2:15 PM EST \[2026-11-24T14:15:00-05:00\]; /);
    for (const iso of isosIn(result)) expect(Date.parse(iso)).toBeGreaterThanOrEqual(Date.parse(tue("14:15")));
  });
});

/**
 * What staff do from the dashboard instead of editing documents: change an agency's settings,
 * correct a prospect, record an opt-out, list and complete tasks. Each refuses bad input naming
 * the field, never the value, and writes nothing then.
 */
import { describe, expect, test, vi } from "vitest";
import { DateTime } from "luxon";
import { internal } from "../../../convex/_generated/api";
import { AGREED, BOOKED_REPLY } from "../../helpers/conversation";
import { addProspect, callsOf, placeCall, reportedCall, rows, runScheduled, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

describe("agencies.update", () => {
  test("changes settings; a new availability applies to new offers and booked meetings stay", async () => {
    const w = await setupWorld();
    await reportedCall(w, w.opportunityId, AGREED, [BOOKED_REPLY]);
    const [meeting] = await rows(w.t, "meetings");
    expect(meeting.status).toBe("booked");

    await w.t.mutation(internal.agencies.update, { agencyId: w.agencyId, availability: ["Mon-Fri 13:00-15:00"], meetingValue: 1500, callNewLeadsAtOnce: true });
    const agency = await w.t.run((ctx) => ctx.db.get("agencies", w.agencyId));
    expect(agency).toMatchObject({ name: "Brightline Growth", availability: ["Mon-Fri 13:00-15:00"], meetingValue: 1500, callNewLeadsAtOnce: true, email: "team@brightline.example" });
    expect(await w.t.run((ctx) => ctx.db.get("meetings", meeting._id))).toEqual(meeting);

    const lee = await addProspect(w.t, w.agencyId, "Lee Park", "+12015550188");
    const { call } = await placeCall(w.t, lee);
    expect(call.offeredSlots!.length).toBeGreaterThanOrEqual(3);
    for (const slot of call.offeredSlots!) {
      const local = DateTime.fromMillis(slot.start, { zone: "America/New_York" });
      expect(local.hour * 60 + local.minute).toBeGreaterThanOrEqual(13 * 60);
      expect(local.hour * 60 + local.minute + 30).toBeLessThanOrEqual(15 * 60);
    }
  });

  test.each([
    [{ timeZone: "Atlantis/Zq7Kx" }, /timeZone is not a known IANA time zone/],
    [{ availability: ["Zqday 10:00-12:00"] }, /availability\[0\] has an unknown weekday/],
    [{ meetingDurationMinutes: 0 }, /meetingDurationMinutes must be a whole number from 5 to 480/],
    [{ meetingValue: -5 }, /meetingValue must be a number from 0/],
    [{ name: "   " }, /name is empty/],
    [{ email: "zq7kx at brightline" }, /email is not a valid address/],
    [{ bookingProcess: "link_first" as const }, /needs a bookingLink/],
  ])("refuses %o as create does, writing nothing", async (change, message) => {
    const { t, agencyId } = await setupWorld();
    const before = await t.run((ctx) => ctx.db.get("agencies", agencyId));
    const error = await t.mutation(internal.agencies.update, { agencyId, ...change }).catch((e: Error & { data?: unknown }) => e);
    expect(error).toBeInstanceOf(Error);
    const text = `${(error as Error).message} ${JSON.stringify((error as { data?: unknown }).data ?? null)}`;
    expect(text).toMatch(message);
    expect(text).not.toMatch(/Zq7Kx|zq7kx/);
    expect(await t.run((ctx) => ctx.db.get("agencies", agencyId))).toEqual(before);
  });

  test("an agency keeps its own inbound number; another agency's is refused", async () => {
    const { t, agencyId } = await setupWorld({ agency: { inboundPhoneNumber: "+12015550100" } });
    await t.mutation(internal.agencies.update, { agencyId, inboundPhoneNumber: "(201) 555-0100", horizonDays: 14 });
    expect(await t.run((ctx) => ctx.db.get("agencies", agencyId))).toMatchObject({ inboundPhoneNumber: "+12015550100", horizonDays: 14 });
    const other = await t.mutation(internal.agencies.create, { name: "Other", timeZone: "UTC", availability: ["Mon 09:00-10:00"] });
    await expect(t.mutation(internal.agencies.update, { agencyId: other, inboundPhoneNumber: "+12015550100" })).rejects.toThrow(
      /inboundPhoneNumber already belongs to another agency/,
    );
  });
});

describe("opportunities.update", () => {
  test("corrects name, email and phone; a new number is read for its zone unless staff gave one", async () => {
    const { t, opportunityId } = await setupWorld();
    await t.mutation(internal.opportunities.update, { opportunityId, name: " Dana W. ", email: "dana@new.example", phone: "+44 20 7946 0958" });
    expect(await t.run((ctx) => ctx.db.get("opportunities", opportunityId))).toMatchObject({
      name: "Dana W.",
      email: "dana@new.example",
      phone: "+442079460958",
      timeZone: "Europe/London",
      timeZoneSource: "inferred_from_number",
    });
    await t.mutation(internal.opportunities.update, { opportunityId, timeZone: "Europe/Dublin" });
    await t.mutation(internal.opportunities.update, { opportunityId, phone: "+12015550123" });
    expect(await t.run((ctx) => ctx.db.get("opportunities", opportunityId))).toMatchObject({
      phone: "+12015550123",
      timeZone: "Europe/Dublin",
      timeZoneSource: "given",
    });
  });

  test.each([
    [{ phone: "555-Zq7Kx" }, /phone is not a valid number for US/],
    [{ email: "zq7kx@@example" }, /email is not a valid address/],
    [{ timeZone: "Mars/Zq7Kx" }, /timeZone is not a known IANA time zone/],
    [{ name: "" }, /name must be 1 to 200 characters/],
    [{ phone: "(201) 555-0188" }, /phone already belongs to another prospect of this agency/],
  ])("refuses %o, naming the field and writing nothing", async (change, message) => {
    const { t, agencyId, opportunityId } = await setupWorld();
    await addProspect(t, agencyId, "Lee Park", "+12015550188");
    const before = await rows(t, "opportunities");
    const error = (await t.mutation(internal.opportunities.update, { opportunityId, ...change }).catch((e: unknown) => e)) as Error & { data?: unknown };
    const text = `${error.message} ${JSON.stringify(error.data ?? null)}`;
    expect(text).toMatch(message);
    expect(text).not.toMatch(/Zq7Kx|zq7kx|0188/);
    expect(await rows(t, "opportunities")).toEqual(before);
  });
});

describe("opportunities.optOut", () => {
  test("is permanent and withdraws the call waiting to dial", async () => {
    // Saturday 22:00 New York: outside calling hours, so the call waits for 08:00.
    const { t, world, opportunityId } = await setupWorld({ now: Date.parse("2026-11-22T03:00:00Z") });
    const callId = await t.mutation(internal.calls.startCall, { opportunityId });
    expect((await t.run((ctx) => ctx.db.get("calls", callId)))!.status).toBe("scheduled");

    expect(await t.mutation(internal.opportunities.optOut, { opportunityId })).toEqual({ cancelledAttempts: 1 });
    expect(await t.run((ctx) => ctx.db.get("opportunities", opportunityId))).toMatchObject({ doNotCall: true });
    await runScheduled(t);
    expect((await callsOf(t, opportunityId)).map((c) => c.status)).toEqual(["cancelled"]);
    expect(world.vapiCreates).toHaveLength(0);
    await expect(t.mutation(internal.calls.startCall, { opportunityId })).rejects.toThrow(/opted out/);
    // Again: nothing left to withdraw, still opted out.
    expect(await t.mutation(internal.opportunities.optOut, { opportunityId })).toEqual({ cancelledAttempts: 0 });
  });
});

describe("tasks.list and tasks.complete", () => {
  test("list by status and type, newest first; complete with a note, once", async () => {
    const { t, agencyId, opportunityId } = await setupWorld();
    const ids = await t.run(async (ctx) => {
      const add = (type: "review" | "call_back", reason: string) =>
        ctx.db.insert("tasks", { agencyId, opportunityId, type, status: "open", reason });
      return [await add("review", "first review"), await add("call_back", "call back"), await add("review", "second review")];
    });
    const open = await t.query(internal.tasks.list, { agencyId, status: "open" });
    expect(open.map((x) => x.reason)).toEqual(["second review", "call back", "first review"]);
    expect(open[0]).toMatchObject({ taskId: ids[2], type: "review", opportunityId, opportunityName: "Dana Whitfield" });
    expect((await t.query(internal.tasks.list, { agencyId, type: "review" })).map((x) => x.reason)).toEqual(["second review", "first review"]);
    expect(await t.query(internal.tasks.list, { agencyId, limit: 1 })).toHaveLength(1);
    await expect(t.query(internal.tasks.list, { agencyId, limit: 0 })).rejects.toThrow(/limit must be a whole number/);

    await t.mutation(internal.tasks.complete, { taskId: ids[1], note: "  Called back, booked for Friday.  " });
    await t.mutation(internal.tasks.complete, { taskId: ids[1], note: "later note" });
    const [done] = await t.query(internal.tasks.list, { agencyId, status: "done" });
    expect(done).toMatchObject({ taskId: ids[1], status: "done", note: "Called back, booked for Friday." });
    expect(done.completedAt).toBeTypeOf("number");
    expect(await t.query(internal.tasks.list, { agencyId, status: "open", type: "call_back" })).toEqual([]);
    await expect(t.mutation(internal.tasks.complete, { taskId: ids[0], note: "x".repeat(2001) })).rejects.toThrow(/note is longer than 2000/);
  });
});

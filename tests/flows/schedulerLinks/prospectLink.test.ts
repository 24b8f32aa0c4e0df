import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { addProspect, type Backend, rows, runScheduled, setupWorld } from "../../helpers/world";

// Mon 2026-03-09 08:00 in New York (EDT, -04:00); the agency takes Tue 10:00-12:00.
const NOW = Date.UTC(2026, 2, 9, 12, 0);
const tue = (hour: number, minute = 0) => Date.UTC(2026, 2, 10, hour + 4, minute);
const LINK = "https://cal.com/dana/intro";

const SLOTS = /^https:\/\/api\.cal\.com\/v2\/slots\?/;
const BOOKINGS = /^https:\/\/api\.cal\.com\/v2\/bookings$/;

const DANA_SLOTS = {
  "2026-03-10": [
    "2026-03-10T09:00:00.000-04:00", // before the agency's window
    "2026-03-10T10:00:00.000-04:00", // on a meeting the agency already has
    "2026-03-10T10:30:00.000-04:00", // free on both: the one to book
    "2026-03-10T11:00:00.000-04:00", // free on both
  ],
  "2026-03-12": ["2026-03-12T10:30:00.000-04:00"], // a Thursday: the agency does not meet
};

/** The seeded world on Monday 9 March 2026: Brightline meets Tue 10:00-12:00, Dana is in Chicago; no email provider. */
async function setup(agencyEmail: string | null = "hello@brightline.example") {
  const { t, world, agencyId, opportunityId } = await setupWorld({
    now: NOW,
    env: { RESEND_API_KEY: "", EMAIL_FROM: "" },
    agency: { availability: ["Tue 10:00-12:00"], email: agencyEmail ?? undefined },
    prospect: { name: "Dana", phone: "(201) 555-0123", email: "dana@acme.example", timeZone: "America/Chicago" },
  });
  // Someone else already holds Tue 10:00.
  const otherId = await addProspect(t, agencyId, "Lee", "(201) 555-0199");
  await t.run((ctx) =>
    ctx.db.insert("meetings", {
      agencyId,
      opportunityId: otherId,
      meetingTime: tue(10),
      durationMinutes: 30,
      source: "staff",
      status: "booked",
      sequence: 0,
    }),
  );
  return { t, world, agencyId, opportunityId };
}

const danaMeetings = (t: Backend, opportunityId: Id<"opportunities">) =>
  t.run((ctx) => ctx.db.query("meetings").withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId)).collect());

const tasksOf = (t: Backend, opportunityId: Id<"opportunities">, type: "scheduler_link" | "booking_conflict") =>
  t.run((ctx) =>
    ctx.db.query("tasks").withIndex("by_opportunity_and_type", (q) => q.eq("opportunityId", opportunityId).eq("type", type)).collect(),
  );

/** A scheduler_link task's details; any other shape fails the test. */
function linkTaskDetails(task: Doc<"tasks">) {
  if (!task.details || !("freeTimes" in task.details)) throw new Error(`task ${task._id} has no scheduler link details`);
  return task.details;
}

describe("a prospect's Cal.com link", () => {
  test("books the first time free on both calendars, as the agency, and records the meeting", { timeout: 60_000 }, async () => {
    const { t, world, opportunityId } = await setup();
    world.calcomSlots = DANA_SLOTS;

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });
    await runScheduled(t);

    expect(result).toMatchObject({ provider: "calcom", outcome: "booked", providerBookingId: "bk_1" });
    const [slotsRequest] = world.requests;
    const query = Object.fromEntries(new URL(slotsRequest.url).searchParams);
    expect(query).toMatchObject({ eventTypeSlug: "intro", username: "dana", timeZone: "America/New_York" });
    expect(slotsRequest.headers["cal-api-version"]).toBe("2024-09-04");

    const [post] = world.to(BOOKINGS);
    expect(post.headers["cal-api-version"]).toBe("2024-08-13");
    expect(post.body).toEqual({
      eventTypeSlug: "intro",
      username: "dana",
      start: "2026-03-10T14:30:00Z", // 10:30 EDT; 09:00 and 10:00 were dropped
      attendee: { name: "Brightline Growth", email: "hello@brightline.example", timeZone: "America/New_York" },
    });

    const meetings = await danaMeetings(t, opportunityId);
    expect(meetings).toHaveLength(1);
    expect(meetings[0]).toMatchObject({
      meetingTime: tue(10, 30),
      source: "prospect_link",
      providerBookingId: "bk_1",
      providerStatus: "accepted",
      status: "booked",
    });
    const opportunity = await t.run((ctx) => ctx.db.get("opportunities", opportunityId));
    expect(opportunity).toMatchObject({ status: "Booked", schedulerLink: LINK, meetingTime: tue(10, 30) });
  });

  test("an organisation's link (<org>.cal.com) is read and booked with its organizationSlug", async () => {
    const { t, world, opportunityId } = await setup();
    world.calcomSlots = DANA_SLOTS;
    world.calcomOrganization = "acme"; // Cal.com finds dana only within her organisation

    const result = await t.action(internal.schedulerLinks.handleProspectLink, {
      opportunityId,
      link: "https://acme.cal.com/dana/intro",
      book: true,
    });
    await runScheduled(t);

    expect(result).toMatchObject({ provider: "calcom", outcome: "booked", providerBookingId: "bk_1" });
    const [slotsRequest] = world.to(SLOTS);
    expect(Object.fromEntries(new URL(slotsRequest.url).searchParams)).toMatchObject({
      eventTypeSlug: "intro",
      username: "dana",
      organizationSlug: "acme",
    });
    const [post] = world.to(BOOKINGS);
    expect(post.body).toEqual({
      eventTypeSlug: "intro",
      username: "dana",
      organizationSlug: "acme",
      start: "2026-03-10T14:30:00Z",
      attendee: { name: "Brightline Growth", email: "hello@brightline.example", timeZone: "America/New_York" },
    });
    expect(await danaMeetings(t, opportunityId)).toMatchObject([{ meetingTime: tue(10, 30), providerBookingId: "bk_1" }]);
  });

  test("a second run for the same opportunity posts nothing new", async () => {
    const { t, world, opportunityId } = await setup();
    world.calcomSlots = DANA_SLOTS;

    await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });
    const again = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: "cal.com/dana/intro", book: true });
    await runScheduled(t);

    expect(again.outcome).toBe("already_booked");
    expect(world.to(BOOKINGS)).toHaveLength(1);
    expect(await danaMeetings(t, opportunityId)).toHaveLength(1);
  });

  test("a claim left by an interrupted run is never posted again", async () => {
    const { t, world, agencyId, opportunityId } = await setup();
    world.calcomSlots = DANA_SLOTS;
    // A run that died between its claim and recording the provider's answer.
    await t.run((ctx) =>
      ctx.db.insert("schedulerBookings", { agencyId, opportunityId, link: LINK, slotStart: tue(10, 30), status: "pending" }),
    );

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });

    expect(result.outcome).toBe("task");
    expect(world.to(BOOKINGS)).toHaveLength(0);
    const [task] = await tasksOf(t, opportunityId, "scheduler_link");
    expect(task.reason).toMatch(/earlier booking attempt/);
  });

  test("records a PENDING booking as pending at the provider", async () => {
    const { t, world, opportunityId } = await setup();
    world.calcomSlots = DANA_SLOTS;
    world.answer("POST", BOOKINGS, { status: 201, json: { status: "success", data: { id: 99, status: "PENDING" } } });

    await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });
    await runScheduled(t);

    const [meeting] = await danaMeetings(t, opportunityId);
    expect(meeting).toMatchObject({ providerBookingId: "99", providerStatus: "PENDING", source: "prospect_link" });
  });

  test("without a request to book: a task listing the times free on both calendars", async () => {
    const { t, world, opportunityId } = await setup();
    world.calcomSlots = DANA_SLOTS;

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: false });

    expect(result.outcome).toBe("task");
    expect(world.to(BOOKINGS)).toHaveLength(0);
    const [task] = await tasksOf(t, opportunityId, "scheduler_link");
    expect(task.details).toMatchObject({ link: LINK, provider: "calcom", timesAre: "free on both calendars" });
    expect(linkTaskDetails(task).freeTimes).toEqual([
      { iso: "2026-03-10T10:30:00-04:00", label: "Tue, Mar 10, 9:30 AM CDT (Tue, Mar 10, 10:30 AM EDT agency time)" },
      { iso: "2026-03-10T11:00:00-04:00", label: "Tue, Mar 10, 10:00 AM CDT (Tue, Mar 10, 11:00 AM EDT agency time)" },
    ]);
    expect(await danaMeetings(t, opportunityId)).toHaveLength(0);
  });

  test("no overlap: a task and no booking", async () => {
    const { t, world, opportunityId } = await setup();
    world.calcomSlots = { "2026-03-10": ["2026-03-10T09:00:00.000-04:00", "2026-03-10T10:00:00.000-04:00"] };

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });

    expect(result.outcome).toBe("task");
    expect(world.to(BOOKINGS)).toHaveLength(0);
    const [task] = await tasksOf(t, opportunityId, "scheduler_link");
    expect(task.reason).toMatch(/no free time/);
    expect(linkTaskDetails(task).freeTimes).toEqual([]);
  });

  test("provider 500 on the booking: a task with the error, and a rerun does not post again", async () => {
    const { t, world, opportunityId } = await setup();
    world.calcomSlots = DANA_SLOTS;
    world.answer("POST", BOOKINGS, { status: 500, json: { status: "error", error: { message: "Internal server error" } } });

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });
    await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });

    expect(result.outcome).toBe("task");
    expect(world.to(BOOKINGS)).toHaveLength(1);
    expect(await danaMeetings(t, opportunityId)).toHaveLength(0);
    const tasks = await tasksOf(t, opportunityId, "scheduler_link");
    expect(tasks).toHaveLength(1);
    expect(tasks[0].reason).toMatch(/HTTP 500/);
    expect(tasks[0].details).toMatchObject({ link: LINK, failure: { statusCode: 500 } });
    const claims = await rows(t, "schedulerBookings");
    expect(claims).toMatchObject([{ status: "failed", slotStart: tue(10, 30) }]);
  });

  test("provider 500 on the slots: a task with the agency's free times", async () => {
    const { t, world, opportunityId } = await setup();
    world.answer("GET", SLOTS, { status: 500, json: { status: "error", error: { message: "boom" } } });

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });

    expect(result.outcome).toBe("task");
    expect(world.to(BOOKINGS)).toHaveLength(0);
    const [task] = await tasksOf(t, opportunityId, "scheduler_link");
    expect(task.details).toMatchObject({ timesAre: "agency free times", failure: { statusCode: 500 } });
    expect(linkTaskDetails(task).freeTimes.length).toBeGreaterThan(0);
    expect(linkTaskDetails(task).freeTimes.map((f: { iso: string }) => f.iso)).not.toContain("2026-03-10T10:00:00-04:00");
  });

  test("the slot taken while the provider booked: a booking_conflict task with the provider's booking id", async () => {
    const { t, world, agencyId, opportunityId } = await setup();
    world.calcomSlots = DANA_SLOTS;
    world.on("POST", BOOKINGS, async () => {
      // Staff book 10:30 for someone else while Cal.com is answering.
      const otherId = await t.mutation(internal.opportunities.create, { agencyId, name: "Kim", phone: "(201) 555-0142" });
      await t.run((ctx) =>
        ctx.db.insert("meetings", {
          agencyId,
          opportunityId: otherId,
          meetingTime: tue(10, 30),
          durationMinutes: 30,
          source: "staff",
          status: "booked",
          sequence: 0,
        }),
      );
      return { status: 201, json: { status: "success", data: { uid: "bk_late", status: "accepted" } } };
    });

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });

    expect(result).toMatchObject({ outcome: "conflict", providerBookingId: "bk_late" });
    expect(await danaMeetings(t, opportunityId)).toHaveLength(0);
    const [task] = await tasksOf(t, opportunityId, "booking_conflict");
    expect(task.details).toMatchObject({ providerBookingId: "bk_late", link: LINK, slotIso: "2026-03-10T10:30:00-04:00" });
  });

  test("an agency without an email cannot be the attendee: a task, nothing posted", async () => {
    const { t, world, opportunityId } = await setup(null);
    world.calcomSlots = DANA_SLOTS;

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: LINK, book: true });

    expect(result.outcome).toBe("task");
    expect(world.to(BOOKINGS)).toHaveLength(0);
  });
});

describe("other scheduler links", () => {
  test("a Calendly link: stored, no request made, a task with the agency's next free times", async () => {
    const { t, world, opportunityId } = await setup();
    const link = "https://calendly.com/dana-smith/30min";

    const result = await t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link, book: true });

    expect(result).toMatchObject({ provider: "calendly", outcome: "task" });
    expect(world.requests).toHaveLength(0);
    const opportunity = await t.run((ctx) => ctx.db.get("opportunities", opportunityId));
    expect(opportunity?.schedulerLink).toBe(link);
    const [task] = await tasksOf(t, opportunityId, "scheduler_link");
    expect(task.details).toMatchObject({ link, provider: "calendly", timesAre: "agency free times" });
    expect(linkTaskDetails(task).freeTimes[0]).toEqual({
      iso: "2026-03-10T10:30:00-04:00",
      label: "Tue, Mar 10, 9:30 AM CDT (Tue, Mar 10, 10:30 AM EDT agency time)",
    });
  });

  test("a malformed link is refused, naming the field without echoing it, and nothing is written", async () => {
    const { t, opportunityId } = await setup();

    await expect(
      t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link: "ftp://cal.com/dana/intro", book: true }),
    ).rejects.toThrow(/^link must be an http\(s\) URL$/);
    const opportunity = await t.run((ctx) => ctx.db.get("opportunities", opportunityId));
    expect(opportunity?.schedulerLink).toBeUndefined();
    expect(await tasksOf(t, opportunityId, "scheduler_link")).toHaveLength(0);
  });
});

/**
 * The daily digest at scale, with Convex's per-transaction limits enforced
 * (16,000 writes, 32,000 reads, 16 MiB, 1,000 schedules): every agency due in the
 * hour gets one digest, however many agencies and items, each item in exactly one.
 */
import { beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { DIGEST_AGENCY_PAGE, DIGEST_ITEM_BATCH } from "../../../convex/model/notifications/digest";
import { nextDigestAt } from "../../../convex/model/notifications/events";
import { FakeWorld } from "../../helpers/fakeWorld";
import { newBackend, notificationRows } from "../../helpers/backend";
import { type Backend, rows, runScheduled } from "../../helpers/world";

const ZONE = "America/New_York";
const BEFORE = Date.parse("2025-07-14T11:30:00Z"); // 07:30 EDT: items gathered
const DUE = Date.parse("2025-07-14T12:07:00Z"); // 08:07 EDT: the cron's run in the digest hour
const TOMORROW = Date.parse("2025-07-15T12:00:00Z");

/** Agencies with one email destination each and `items[i]` pending digest items, written in limit-sized chunks. */
async function seedAgencies(t: Backend, items: number[]) {
  const agencies: { agencyId: Id<"agencies">; settingsId: Id<"notificationSettings">; items: number }[] = [];
  for (const [i, count] of items.entries()) {
    const ids = await t.run(async (ctx) => {
      const agencyId = await ctx.db.insert("agencies", {
        name: `Agency ${i}`,
        timeZone: ZONE,
        availability: ["Mon-Fri 09:00-17:00"],
        slotIntervalMinutes: 30,
        meetingDurationMinutes: 30,
        bufferMinutes: 0,
        minNoticeMinutes: 60,
        horizonDays: 14,
      });
      const opportunityId = await ctx.db.insert("opportunities", { agencyId, name: "Dana", phone: "+12015550123", status: "New" });
      const destinationId = await ctx.db.insert("notificationDestinations", {
        agencyId,
        kind: "email",
        label: "owner",
        target: `owner${i}@agency.test`,
        configured: true,
      });
      const settingsId = await ctx.db.insert("notificationSettings", {
        agencyId,
        digestHour: 8,
        digestTimeZone: ZONE,
        dedupeWindowMinutes: 1440,
        nextDigestAt: nextDigestAt(BEFORE, ZONE, 8),
      });
      return { agencyId, opportunityId, destinationId, settingsId };
    });
    for (let done = 0; done < count; done += 5000) {
      await t.run(async (ctx) => {
        for (let n = done; n < Math.min(count, done + 5000); n++) {
          await ctx.db.insert("notificationItems", {
            agencyId: ids.agencyId,
            opportunityId: ids.opportunityId,
            event: n % 2 ? "positive_lead" : "rejected",
            destinationId: ids.destinationId,
            text: `Prospect ${n} of agency ${i}`,
            state: "digest_pending",
            createdAt: BEFORE + n,
          });
        }
      });
    }
    agencies.push({ agencyId: ids.agencyId, settingsId: ids.settingsId, items: count });
  }
  return agencies;
}

async function itemsOf(t: Backend, agencyId: Id<"agencies">) {
  return await t.run((ctx) =>
    ctx.db
      .query("notificationItems")
      .withIndex("by_agency_and_state", (q) => q.eq("agencyId", agencyId))
      .collect(),
  );
}

async function digestsOf(t: Backend, agencyId: Id<"agencies">) {
  return (await notificationRows(t)).filter((d) => d.agencyId === agencyId);
}

/** The digest fans out one run per agency: more steps than a single flow needs. */
const settle = (t: Backend) => runScheduled(t, 10_000);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(BEFORE);
  vi.stubEnv("RESEND_API_KEY", "re_test_key");
  vi.stubEnv("EMAIL_FROM", "Atlas <atlas@example.test>");
});

describe("digest fan-out inside Convex's limits", () => {
  test(
    "16 agencies due in the same hour with 1,000 items each: one digest each, every item once",
    async () => {
      const world = new FakeWorld().install();
      const t = newBackend({ transactionLimits: true });
      // One transaction for all of this was 16,000 item writes and 32,000 reads, plus the messages: over the limits.
      const agencies = await seedAgencies(t, Array<number>(16).fill(1000));
      vi.setSystemTime(DUE);
      await t.mutation(internal.notifications.sendDigests, {});
      await settle(t);

      expect(world.deliveredEmails).toHaveLength(agencies.length);
      // One read of every item: convex-test scans the whole database for each query.
      const allItems = await rows(t, "notificationItems");
      expect(allItems).toHaveLength(16_000);
      for (const { agencyId, settingsId, items } of agencies) {
        const digests = await digestsOf(t, agencyId);
        expect(digests).toHaveLength(1);
        const [digest] = digests;
        expect(digest).toMatchObject({ mode: "digest", status: "sent", digestItems: items, attempts: 1 });
        const lines = digest.text.split("\n");
        expect(lines[0]).toBe(`[Atlas] Daily digest for 2025-07-14: ${items} updates`);
        expect(lines).toHaveLength(1 + 50 + 1);
        expect(lines[1]).toMatch(/^• Rejected: Prospect 0 of agency \d+$/);
        expect(lines[51]).toBe(`…and ${items - 50} more`);
        const stored = allItems.filter((i) => i.agencyId === agencyId);
        expect(stored).toHaveLength(items);
        expect(stored.every((i) => i.state === "digested" && i.deliveryId === digest._id)).toBe(true);
        const settings = await t.run((ctx) => ctx.db.get("notificationSettings", settingsId));
        expect(settings).toMatchObject({ lastDigestLocalDate: "2025-07-14", nextDigestAt: TOMORROW });
        expect(settings?.digestRun).toBeUndefined();
      }
      // The hour's second cron run finds nothing due.
      expect(await t.mutation(internal.notifications.sendDigests, {})).toEqual({ due: 0, started: 0 });
    },
    180_000,
  );

  test(
    "more due agencies than one page: the driver pages through them all",
    async () => {
      new FakeWorld().install();
      const t = newBackend({ transactionLimits: true });
      const agencies = await seedAgencies(t, Array<number>(DIGEST_AGENCY_PAGE + 30).fill(2));
      vi.setSystemTime(DUE);
      expect(await t.mutation(internal.notifications.sendDigests, {})).toEqual({ due: DIGEST_AGENCY_PAGE, started: DIGEST_AGENCY_PAGE });
      await settle(t);
      const settings = await rows(t, "notificationSettings");
      expect(settings).toHaveLength(agencies.length);
      expect(settings.every((s) => s.lastDigestLocalDate === "2025-07-14" && s.nextDigestAt === TOMORROW)).toBe(true);
      const sent = await notificationRows(t);
      expect(sent).toHaveLength(agencies.length);
      expect(sent.every((d) => d.status === "sent" && d.digestItems === 2)).toBe(true);
    },
    120_000,
  );

  test("a run that dies between batches is resumed with the same message, and nextDigestAt moves only at the end", { timeout: 60_000 }, async () => {
    const world = new FakeWorld().install();
    const t = newBackend({ transactionLimits: true });
    const [agency] = await seedAgencies(t, [DIGEST_ITEM_BATCH * 2 + 500]);
    const due = nextDigestAt(BEFORE, ZONE, 8);
    vi.setSystemTime(DUE);
    await t.mutation(internal.notifications.sendDigests, {});
    // Only the first batch runs; the chain it scheduled is lost.
    expect(await t.mutation(internal.notifications.digestBatch, { settingsId: agency.settingsId })).toEqual({
      items: DIGEST_ITEM_BATCH,
      messages: 0,
      done: false,
    });
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
    const halfway = await t.run((ctx) => ctx.db.get("notificationSettings", agency.settingsId));
    expect(halfway).toMatchObject({ nextDigestAt: due, digestRun: { localDate: "2025-07-14" } });
    expect(halfway?.lastDigestLocalDate).toBeUndefined();
    expect(await digestsOf(t, agency.agencyId)).toMatchObject([{ status: "composing", digestItems: DIGEST_ITEM_BATCH }]);
    // While the run's lease holds, the next cron run leaves it alone.
    expect(await t.mutation(internal.notifications.sendDigests, {})).toEqual({ due: 1, started: 0 });
    await settle(t);
    expect(world.deliveredEmails).toHaveLength(0);

    vi.setSystemTime(DUE + 60 * 60_000); // the next hourly run, lease long lapsed
    expect(await t.mutation(internal.notifications.sendDigests, {})).toEqual({ due: 1, started: 1 });
    await settle(t);
    expect(world.deliveredEmails).toHaveLength(1);
    expect(world.deliveredEmails[0].text.split("\n")[0]).toBe("[Atlas] Daily digest for 2025-07-14: 2500 updates");
    const [digest] = await digestsOf(t, agency.agencyId);
    expect(digest).toMatchObject({ status: "sent", digestItems: 2500 });
    const items = await itemsOf(t, agency.agencyId);
    expect(items.every((i) => i.state === "digested" && i.deliveryId === digest._id)).toBe(true);
    expect(await t.run((ctx) => ctx.db.get("notificationSettings", agency.settingsId))).toMatchObject({
      lastDigestLocalDate: "2025-07-14",
      nextDigestAt: TOMORROW,
    });
  });
});

/**
 * No delivery stuck: the sweep (crons.ts, every 5 minutes) settles deliveries whose
 * sending action died. Emails go again under the same Resend idempotency key;
 * Slack and SMS messages that may have arrived become `unknown` for staff.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { digestMessage } from "../../../convex/model/notifications/events";
import { inviteDeliveryKey } from "../../../convex/model/invites/invite";
import { enqueue } from "../../../convex/model/outbox/ledger";
import { LEASE_MS, sweep } from "../../../convex/model/outbox/status";
import { OUTBOX_RETRY } from "../../../convex/model/retryPolicy";
import { SWEEP_BATCH } from "../../../convex/outbox";
import { notificationRows, outboxRows } from "../../helpers/backend";
import { type Backend, endedCallFields, MARCH_EMAIL_WORLD, runScheduled, setupWorld } from "../../helpers/world";

// Every test here runs flows on the embedded backend; the first also loads the Convex modules.
vi.setConfig({ testTimeout: 60_000 });

const NOW = MARCH_EMAIL_WORLD.now;
const RESEND = /^https:\/\/api\.resend\.com\/emails$/;
const SLACK_POST = /^https:\/\/slack\.com\/api\/chat\.postMessage$/;
const TWILIO_MESSAGES = /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/;

/** What a sending action's death looks like from outside: its scheduled run is gone. */
async function loseScheduledRuns(t: Backend) {
  await t.run(async (ctx) => {
    for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
      if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
    }
  });
}

async function destinations(t: Backend, agencyId: Id<"agencies">) {
  const slack = await t.action(internal.notifications.saveDestination, {
    agencyId,
    kind: "slack",
    target: "C0SALES",
    slackBotToken: "xoxb-1111-2222-slacktokenabcd",
  });
  const sms = await t.action(internal.notifications.saveDestination, {
    agencyId,
    kind: "sms",
    target: "+12015550150",
    twilioAccountSid: "AC0123456789abcdef0123456789abcdef",
    twilioAuthToken: "twilio-token-9876",
    twilioFromNumber: "+12015550100",
  });
  const email = await t.action(internal.notifications.saveDestination, { agencyId, kind: "email", target: "owner@brightline.test" });
  return { slack, sms, email };
}

describe("notifications whose attempt died mid-send", () => {
  test("Slack and SMS become unknown, are listed for staff and never sent twice; email goes again under its key", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld(MARCH_EMAIL_WORLD);
    const { slack, sms, email } = await destinations(t, agencyId);
    for (const destinationId of [slack, sms, email]) {
      await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId, mode: "realtime" });
    }
    await t.mutation(internal.notifications.notifyEvent, { agencyId, opportunityId, event: "booked", text: "Dana booked Tue 10:00" });
    // Each action claims its delivery, and the email even reaches Resend, then every one dies.
    await loseScheduledRuns(t);
    for (const row of await notificationRows(t)) {
      expect(await t.mutation(internal.outbox.claim, { outboxId: row._id })).not.toBeNull();
    }
    const emailRow = (await notificationRows(t)).find((d) => d.kind === "email")!;
    await world.fetch("https://api.resend.com/emails", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": emailRow.key },
      body: JSON.stringify({ from: "Atlas <atlas@example.com>", to: "owner@brightline.test", subject: "Atlas: Meeting booked", text: "x" }),
    });
    expect(world.deliveredEmails).toHaveLength(1);

    // Within the lease the attempt may still be running: nothing happens.
    vi.setSystemTime(NOW + LEASE_MS - 60_000);
    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 0, unknown: 0, failed: 0 });

    vi.setSystemTime(NOW + LEASE_MS + 60_000);
    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 1, unknown: 2, failed: 0 });
    await runScheduled(t);
    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 0, unknown: 0, failed: 0 });

    expect(world.to(SLACK_POST)).toHaveLength(0);
    expect(world.to(TWILIO_MESSAGES)).toHaveLength(0);
    const emailSends = world.to(RESEND);
    expect(emailSends.map((r) => r.headers["idempotency-key"])).toEqual([emailRow.key, emailRow.key]);
    expect(world.deliveredEmails).toHaveLength(1); // Resend dropped the repeat of the key

    const byKind = Object.fromEntries((await notificationRows(t)).map((d) => [d.kind, d]));
    expect(byKind.email).toMatchObject({ status: "sent", attempts: 2 });
    expect(byKind.slack).toMatchObject({ status: "unknown", attempts: 1, lastError: expect.stringMatching(/may have arrived/) });
    expect(byKind.sms).toMatchObject({ status: "unknown", attempts: 1 });
    const unknown = await t.query(internal.notifications.listDeliveries, { agencyId, status: "unknown" });
    expect(unknown.map((d) => d.kind).sort()).toEqual(["slack", "sms"]);
    expect((await t.query(internal.notifications.listDeliveries, { agencyId })).map((d) => d.status).sort()).toEqual([
      "sent",
      "unknown",
      "unknown",
    ]);

    // Staff looked in the channel: the Slack one arrived. Settled without sending anything.
    await t.mutation(internal.notifications.resolveUnknownDelivery, { deliveryId: byKind.slack._id, arrived: true });
    await expect(t.mutation(internal.notifications.resolveUnknownDelivery, { deliveryId: byKind.slack._id, arrived: true })).rejects.toThrow(
      /is sent, not unknown/,
    );
    expect(await t.query(internal.notifications.listDeliveries, { agencyId, status: "unknown" })).toHaveLength(1);
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(0);
  });

  test("a pending message whose action never ran is sent once", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld(MARCH_EMAIL_WORLD);
    const { slack } = await destinations(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    await t.mutation(internal.notifications.notifyEvent, { agencyId, opportunityId, event: "booked", text: "Dana booked" });
    await loseScheduledRuns(t);
    vi.setSystemTime(NOW + LEASE_MS + 60_000);
    expect(await t.mutation(internal.outbox.sweep, {})).toMatchObject({ resent: 1 });
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(1);
    expect(await notificationRows(t)).toMatchObject([{ status: "sent", attempts: 1 }]);
  });

  test("sweeps in bounded batches: a full batch sweeps again at once", async () => {
    const { t, agencyId } = await setupWorld({ ...MARCH_EMAIL_WORLD, transactionLimits: true });
    const { slack } = await destinations(t, agencyId);
    const stuck = SWEEP_BATCH + 20;
    await t.run(async (ctx) => {
      for (let i = 0; i < stuck; i++) {
        await ctx.db.insert("outbox", {
          key: `notification:test-${i}`,
          agencyId,
          channel: "slack",
          message: { kind: "notification", destinationId: slack, mode: "realtime", subject: "s", text: `message ${i}` },
          status: "sending",
          attempts: 1,
          createdAt: NOW,
          checkAt: NOW + LEASE_MS,
        });
      }
    });
    vi.setSystemTime(NOW + LEASE_MS + 60_000);
    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 0, unknown: SWEEP_BATCH, failed: 0 });
    await runScheduled(t);
    expect((await notificationRows(t)).every((d) => d.status === "unknown")).toBe(true);
  });
});

describe("emails in the outbox", () => {
  test("a prospect email left pending (its action lost) is sent, once, under its key", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld(MARCH_EMAIL_WORLD);
    const callId = await t.run(async (ctx) => {
      await ctx.db.patch("agencies", agencyId, { bookingLink: "https://cal.com/brightline/intro" });
      return await ctx.db.insert("calls", endedCallFields(agencyId, opportunityId));
    });
    // What carryOutPlan writes; the send it schedules never runs.
    await t.run((ctx) =>
      enqueue(ctx, {
        key: `booking_link:${callId}`,
        agencyId,
        channel: "email",
        message: { kind: "prospect_email", callId, email: { kind: "booking_link" } },
      }),
    );
    await loseScheduledRuns(t);
    vi.setSystemTime(NOW + LEASE_MS + 60_000);
    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 1, unknown: 0, failed: 0 });
    await runScheduled(t);
    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 0, unknown: 0, failed: 0 });
    expect(world.emailRequests.map((e) => [e.to, e.idempotencyKey])).toEqual([[["dana@example.com"], `booking_link:${callId}`]]);
    expect(world.emailRequests[0].text).toContain("https://cal.com/brightline/intro");
    const rows = await outboxRows(t);
    expect(rows).toMatchObject([{ status: "sent" }]);
    expect(rows[0].checkAt).toBeUndefined();
  });

  test("an invite whose action died after claiming is resent under the same key: one email per recipient", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld(MARCH_EMAIL_WORLD);
    const callId = await t.run((ctx) =>
      ctx.db.insert("calls", endedCallFields(agencyId, opportunityId, ["2026-03-10T10:30:00-04:00"])),
    );
    const { meetingId } = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: "2026-03-10T10:30:00-04:00" });
    await loseScheduledRuns(t);
    // The confirmation action queued both emails, claimed the prospect's, handed it to Resend, then died.
    const [prospectRow] = await t.mutation(internal.followUp.queueInvites, { meetingId: meetingId! });
    const job = await t.mutation(internal.outbox.claim, { outboxId: prospectRow });
    if (!job || job.channel === "google_calendar") throw new Error("expected the prospect's invite to be claimed");
    const claim = { key: job.message.idempotencyKey };
    expect(claim.key).toBe(inviteDeliveryKey(meetingId!, 0, "prospect"));
    await world.fetch("https://api.resend.com/emails", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": claim.key },
      body: JSON.stringify({ from: "Atlas <atlas@example.com>", to: "dana@example.com", subject: "Invitation", text: "x" }),
    });

    vi.setSystemTime(NOW + LEASE_MS + 60_000);
    // Both rows: the prospect's lost mid-send, the agency's never attempted.
    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 2, unknown: 0, failed: 0 });
    await runScheduled(t);
    const keys = world.emailRequests.map((e) => e.idempotencyKey);
    expect(keys.filter((k) => k === claim.key)).toHaveLength(2);
    expect(world.deliveredEmails.map((e) => e.to[0]).sort()).toEqual(["dana@example.com", "team@brightline.test"]);
    const rows = await outboxRows(t);
    expect(rows.map((r) => r.status)).toEqual(["sent", "sent"]);
  });

  test("a row whose sends keep dying ends as failed once its attempts are spent", async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld(MARCH_EMAIL_WORLD);
    const deliveryId = await t.run(async (ctx) => {
      const callId = await ctx.db.insert("calls", endedCallFields(agencyId, opportunityId));
      return await ctx.db.insert("outbox", {
        key: `booking_link:${callId}`,
        agencyId,
        channel: "email",
        message: { kind: "prospect_email", callId, email: { kind: "booking_link" } },
        status: "sending",
        attempts: OUTBOX_RETRY.attempts,
        createdAt: NOW,
        checkAt: NOW,
      });
    });
    vi.setSystemTime(NOW + 60_000);
    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 0, unknown: 0, failed: 1 });
    expect(await t.run((ctx) => ctx.db.get("outbox", deliveryId))).toMatchObject({ status: "failed" });
    await runScheduled(t);
    expect(world.emailRequests).toHaveLength(0);
  });
});

describe("the sweep's decisions", () => {
  test("pending goes again, an email in flight goes again, Slack and SMS in flight become unknown", () => {
    const at = NOW;
    expect(sweep({ status: "pending", channel: "slack", attempts: 2 }, false, at)).toEqual({
      outcome: "resent",
      patch: { checkAt: at + LEASE_MS },
    });
    expect(sweep({ status: "sending", channel: "email", attempts: 1 }, true, at)).toMatchObject({
      outcome: "resent",
      patch: { status: "pending", checkAt: at + LEASE_MS },
    });
    expect(sweep({ status: "sending", channel: "email", attempts: 5 }, true, at)).toMatchObject({ outcome: "failed" });
    for (const channel of ["slack", "sms"] as const) {
      expect(sweep({ status: "sending", channel, attempts: 1 }, false, at)).toMatchObject({
        outcome: "unknown",
        patch: { status: "unknown", checkAt: undefined },
      });
      // Even with its attempts spent: it may have arrived, so staff decide rather than a "failed".
      expect(sweep({ status: "sending", channel, attempts: 5 }, false, at)).toMatchObject({ outcome: "unknown" });
    }
  });

  test("a digest message counts every item and lists the first 50", () => {
    const lines = Array.from({ length: 60 }, (_, i) => `• Booked: P${i}`);
    const text = digestMessage("2025-07-14", lines, 20_000).split("\n");
    expect(text[0]).toBe("[Atlas] Daily digest for 2025-07-14: 20000 updates");
    expect(text.slice(1, 51)).toEqual(lines.slice(0, 50));
    expect(text[51]).toBe("…and 19950 more");
    expect(digestMessage("2025-07-14", ["• Booked: P"], 1)).toBe("[Atlas] Daily digest for 2025-07-14: 1 update\n• Booked: P");
  });
});

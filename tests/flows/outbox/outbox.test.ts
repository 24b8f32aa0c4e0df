/**
 * The outbox (convex/outbox.ts, convex/model/outbox/): its status machine, the
 * channel registry it sends through, and the migration of the two old ledgers.
 */
import { describe, expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { channelOf, destinationKind, normalizeDestination, openSecret } from "../../../convex/model/channels";
import { afterAttempt, claim, LEASE_MS, resolveUnknown, settle } from "../../../convex/model/outbox/status";
import { OUTBOX_RETRY } from "../../../convex/model/retryPolicy";
import { notificationRows, outboxRows } from "../../helpers/backend";
import { endedCallFields, MARCH_EMAIL_WORLD, rows, runScheduled, setupWorld } from "../../helpers/world";

const NOW = MARCH_EMAIL_WORLD.now;
const never = () => 0;

describe("status machine", () => {
  test("only a pending row is claimed, and the claim leases it to one attempt", () => {
    expect(claim({ status: "pending", attempts: 1 }, NOW)).toEqual({ status: "sending", attempts: 2, checkAt: NOW + LEASE_MS });
    for (const status of ["composing", "sending", "sent", "failed", "unknown", "skipped", "disabled"] as const) {
      expect(claim({ status, attempts: 1 }, NOW)).toBeNull();
    }
    expect(settle("disabled", "email disabled: RESEND_API_KEY is not set")).toEqual({
      status: "disabled",
      lastError: "email disabled: RESEND_API_KEY is not set",
      checkAt: undefined,
    });
  });

  test("a retryable failure waits the policy's backoff; a permanent one or the last attempt fails", () => {
    const sending = (attempts: number) => ({ status: "sending" as const, attempts });
    const transient = { ok: false as const, retryable: true, error: "slack: ratelimited" };
    expect(afterAttempt(sending(1), transient, NOW, never)).toEqual({
      patch: { status: "pending", lastError: "slack: ratelimited", checkAt: NOW + 60_000 + LEASE_MS },
      retryInMs: 60_000,
    });
    expect(afterAttempt(sending(3), transient, NOW, never)?.retryInMs).toBe(960_000);
    expect(afterAttempt(sending(OUTBOX_RETRY.attempts), transient, NOW, never)).toMatchObject({ patch: { status: "failed" }, retryInMs: null });
    expect(afterAttempt(sending(1), { ok: false, retryable: false, error: "slack: channel_not_found" }, NOW)).toMatchObject({
      patch: { status: "failed", lastError: "slack: channel_not_found", checkAt: undefined },
      retryInMs: null,
    });
    expect(afterAttempt(sending(1), { ok: true, providerMessageId: "m1" }, NOW)).toEqual({
      patch: { status: "sent", sentAt: NOW, providerMessageId: "m1", checkAt: undefined },
      retryInMs: null,
    });
  });

  test("no reply: an idempotent channel tries again, the others (Slack, SMS) mark it unknown and never resend", () => {
    const sending = { status: "sending" as const, attempts: 1 };
    const noReply = { ok: false as const, retryable: true, error: "twilio: network error", noReply: true };
    expect(afterAttempt(sending, noReply, NOW, never, true)).toMatchObject({ patch: { status: "pending" }, retryInMs: 60_000 });
    expect(afterAttempt(sending, noReply, NOW, never, false)).toEqual({
      patch: { status: "unknown", lastError: "twilio: network error: it may have arrived, so it is not resent", checkAt: undefined },
      retryInMs: null,
    });
  });

  test("a report nobody waits for changes nothing; an unknown row learns a late success", () => {
    expect(afterAttempt({ status: "sent", attempts: 1 }, { ok: true }, NOW)).toBeNull();
    expect(afterAttempt({ status: "pending", attempts: 1 }, { ok: false, retryable: true, error: "x" }, NOW)).toBeNull();
    expect(afterAttempt({ status: "unknown", attempts: 1 }, { ok: false, retryable: true, error: "x" }, NOW)).toBeNull();
    expect(afterAttempt({ status: "unknown", attempts: 1 }, { ok: true }, NOW)?.patch.status).toBe("sent");
    expect(resolveUnknown({ status: "unknown", attempts: 1 }, false)).toMatchObject({ status: "failed", lastError: "staff: did not arrive" });
    expect(resolveUnknown({ status: "unknown", attempts: 1 }, true)).toMatchObject({ status: "sent" });
    expect(resolveUnknown({ status: "sent", attempts: 1 }, true)).toBeNull();
  });
});

describe("channel registry", () => {
  test("every kind in the union has an adapter; only email resends a lost outcome", () => {
    const kinds = destinationKind.members.map((m) => m.value);
    expect(kinds.sort()).toEqual(["email", "slack", "sms"]);
    expect(Object.fromEntries(kinds.map((k) => [k, channelOf(k).idempotent]))).toEqual({ email: true, slack: false, sms: false });
    expect(channelOf("email").disabledReason({})).toMatch(/RESEND_API_KEY/);
    expect(channelOf("email").disabledReason({ RESEND_API_KEY: "k" })).toMatch(/EMAIL_FROM/);
    expect(channelOf("email").disabledReason({ RESEND_API_KEY: "k", EMAIL_FROM: "a@b.co" })).toBeNull();
    expect(channelOf("slack").disabledReason({})).toBeNull();
  });

  test("a field of another channel is refused, naming the field and not the value", () => {
    expect(() => normalizeDestination({ kind: "email", target: "a@b.co", slackBotToken: "xoxb-secret-value" })).toThrow(
      /^slackBotToken only applies to slack destinations, not email$/,
    );
    expect(() => normalizeDestination({ kind: "slack", target: "C0", slackBotToken: "xoxb-1", twilioAuthToken: "t" })).toThrow(
      /^twilioAuthToken only applies to sms destinations, not slack$/,
    );
    expect(normalizeDestination({ kind: "sms", target: "(201) 555-0150" })).toEqual({
      kind: "sms",
      label: "sms (201) 555-0150",
      target: "+12015550150",
      configured: false,
    });
  });

  test("a decrypted secret must have its channel's shape", () => {
    expect(openSecret("slack", JSON.stringify({ slackBotToken: "xoxb-1" }))).toEqual({ slackBotToken: "xoxb-1" });
    expect(() => openSecret("sms", JSON.stringify({ slackBotToken: "xoxb-1" }))).toThrow(/does not have the sms channel's shape/);
    expect(() => openSecret("sms", JSON.stringify({ twilio: { accountSid: "AC1" } }))).toThrow(/shape/);
  });
});

describe("migrating the old ledgers", () => {
  test("moves every row in bounded runs, keeps keys and states, and the sweep finishes what was open", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await setupWorld({ ...MARCH_EMAIL_WORLD, prospect: { email: "dana@example.com" } });
    const slack = await t.action(internal.notifications.saveDestination, {
      agencyId,
      kind: "slack",
      target: "C0SALES",
      slackBotToken: "xoxb-1111-2222-slacktokenabcd",
    });
    const slot = "2026-03-10T10:30:00-04:00";
    const callId = await t.run(async (ctx) => {
      await ctx.db.patch("agencies", agencyId, { bookingLink: "https://cal.com/brightline/intro" });
      return await ctx.db.insert("calls", endedCallFields(agencyId, opportunityId, [slot]));
    });
    const { meetingId } = await t.mutation(internal.meetings.finalizeBooking, { callId, isoTimestamp: slot });
    // The meeting's invites went out under the old code: their confirmation run is not this test's.
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
    const { oldSlack } = await t.run(async (ctx) => {
      const old = { agencyId, channel: "email" as const };
      // Sent, pending with its send lost, and one from before the sweep that cannot be rebuilt.
      await ctx.db.insert("deliveries", { ...old, key: `invite:${meetingId}:0:agency`, status: "sent", attempts: 1, providerMessageId: "e-1" });
      await ctx.db.insert("deliveries", {
        ...old,
        key: `booking_link:${callId}`,
        status: "pending",
        attempts: 1,
        checkAt: NOW - 1,
        resend: { kind: "prospect_email", callId, email: { kind: "booking_link" } },
      });
      await ctx.db.insert("deliveries", { ...old, key: `free_slots:${callId}`, status: "pending", attempts: 0 });
      const notification = { agencyId, destinationId: slack, kind: "slack" as const, mode: "realtime" as const, subject: "s", createdAt: NOW - 10 };
      await ctx.db.insert("notificationDeliveries", { ...notification, text: "delivered", status: "sent", attempts: 1 });
      const oldSlack = await ctx.db.insert("notificationDeliveries", {
        ...notification,
        text: "in flight",
        status: "sending",
        attempts: 1,
        checkAt: NOW - 1,
      });
      return { oldSlack };
    });

    expect(await t.mutation(internal.migrations.migrateOutbox, { batchSize: 2 })).toEqual({ moved: 4, done: false });
    await t.finishInProgressScheduledFunctions();
    await runScheduled(t);
    expect(await rows(t, "deliveries")).toHaveLength(0);
    expect(await rows(t, "notificationDeliveries")).toHaveLength(0);
    expect(await t.mutation(internal.migrations.migrateOutbox, {})).toEqual({ moved: 0, done: true });

    const byKey = Object.fromEntries((await outboxRows(t)).map((r) => [r.key, r]));
    expect(byKey[`invite:${meetingId}:0:agency`]).toMatchObject({
      status: "sent",
      providerMessageId: "e-1",
      message: { kind: "invite", meetingId, sequence: 0, recipient: "agency" },
    });
    expect(byKey[`booking_link:${callId}`]).toMatchObject({ status: "pending", message: { kind: "prospect_email", callId } });
    expect(byKey[`free_slots:${callId}`]).toMatchObject({ status: "failed", lastError: expect.stringMatching(/cannot be resent/) });
    expect(byKey[`notification:legacy:${oldSlack}`]).toMatchObject({ status: "sending", channel: "slack" });
    expect((await t.query(internal.notifications.listDeliveries, { agencyId })).map((d) => d.text).sort()).toEqual(["delivered", "in flight"]);

    expect(await t.mutation(internal.outbox.sweep, {})).toEqual({ resent: 1, unknown: 1, failed: 0 });
    await runScheduled(t);
    expect(world.emailRequests.map((e) => e.idempotencyKey)).toEqual([`booking_link:${callId}`]);
    expect(world.to(/slack\.com\/api\/chat\.postMessage/)).toHaveLength(0);
    expect((await notificationRows(t)).map((r) => r.status).sort()).toEqual(["sent", "unknown"]);
  });
});

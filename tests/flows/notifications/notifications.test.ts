import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { notify } from "../../../convex/model/notifications/notify";
import { localDate, nextDigestAt } from "../../../convex/model/notifications/events";
import { rows, runScheduled } from "../../helpers/world";
import { SLACK_TOKEN, TWILIO_SID, TWILIO_TOKEN, SLACK_POST, TWILIO_MESSAGES, RESEND, seed, saveSlack, event, deliveries, saveSms } from "../../helpers/notifications";

describe("routing", () => {
  test("each event goes to the destinations its rules name, realtime or digest", { timeout: 60_000 }, async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    const email = await t.action(internal.notifications.saveDestination, { agencyId, kind: "email", target: "owner@brightline.test" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: email, mode: "digest" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "rejected", destinationId: email, mode: "realtime" });

    expect(await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked", "Dana booked Tue 10:00")))
      .toEqual({ queued: 1, digested: 1, duplicates: 0 });
    expect(await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "positive_lead")))
      .toEqual({ queued: 0, digested: 0, duplicates: 0 });
    await runScheduled(t);

    const posts = world.to(SLACK_POST);
    expect(posts).toHaveLength(1);
    expect(posts[0].body).toEqual({ channel: "C0SALES", text: "[Atlas] Meeting booked: Dana booked Tue 10:00" });
    expect(posts[0].headers.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(world.to(RESEND)).toHaveLength(0);
    const items = await rows(t, "notificationItems");
    expect(items.map((i) => [i.destinationId, i.state])).toEqual([
      [slack, "realtime"],
      [email, "digest_pending"],
    ]);
  });

  test("email goes through Resend when configured, and is recorded disabled when not", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const email = await t.action(internal.notifications.saveDestination, { agencyId, kind: "email", target: "owner@brightline.test" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: email, mode: "realtime" });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    expect((await deliveries(t))[0]).toMatchObject({ status: "disabled" });

    vi.stubEnv("RESEND_API_KEY", "re_test");
    vi.stubEnv("EMAIL_FROM", "Atlas <atlas@brightline.test>");
    const lee = await t.mutation(internal.opportunities.create, { agencyId, name: "Lee", phone: "(201) 555-0199" });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, lee, "booked"));
    await runScheduled(t);
    expect(world.to(RESEND)).toHaveLength(1);
    expect(world.to(RESEND)[0].body).toMatchObject({
      to: ["owner@brightline.test"],
      subject: "Atlas: Meeting booked",
    });
    expect((await deliveries(t))[1]).toMatchObject({ status: "sent", providerMessageId: "email-1" });
  });
});

describe("dedupe and retries", () => {
  test("every email shares one sender: Resend's 409 concurrent_idempotent_requests is retried for a notification too", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    vi.stubEnv("RESEND_API_KEY", "re_test");
    vi.stubEnv("EMAIL_FROM", "Atlas <atlas@brightline.test>");
    world.resendReplies = [409];
    const email = await t.action(internal.notifications.saveDestination, { agencyId, kind: "email", target: "owner@brightline.test" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: email, mode: "realtime" });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    const keys = world.to(RESEND).map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(world.deliveredEmails).toHaveLength(1);
    expect(await deliveries(t)).toMatchObject([{ status: "sent", attempts: 2, lastError: "resend: HTTP 409 concurrent_idempotent_requests" }]);
  });

  test("each (opportunity, event, destination) is delivered once per window", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "call_requested", destinationId: slack, mode: "realtime" });
    await t.mutation(internal.notifications.setSettings, { agencyId, dedupeWindowMinutes: 60 });

    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    expect(await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked")))
      .toMatchObject({ queued: 0, duplicates: 1 });
    // Another event of the same opportunity is its own triple.
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "call_requested"));
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(2);

    vi.setSystemTime(Date.now() + 59 * 60_000);
    expect(await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked")))
      .toMatchObject({ duplicates: 1 });
    vi.setSystemTime(Date.now() + 2 * 60_000);
    expect(await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked")))
      .toMatchObject({ queued: 1, duplicates: 0 });
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(3);
  });

  test("a Slack 500 is retried with backoff and the message is sent exactly once", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    world.answer("POST", SLACK_POST, { status: 500, json: { ok: false } }, { json: { ok: true, ts: "1.2" } });

    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(2);
    const [delivery] = await deliveries(t);
    expect(delivery).toMatchObject({ status: "sent", attempts: 2, providerMessageId: "1.2" });

    // A late or duplicated send job, and the same event again, send nothing more.
    await t.action(internal.outbox.send, { outboxId: delivery._id });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(2);
  });

  test("Slack answering 200 with ok:false is a failure", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    world.answer("POST", SLACK_POST, { json: { ok: false, error: "channel_not_found" } });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    // channel_not_found will not fix itself: one attempt, recorded as failed.
    expect(world.to(SLACK_POST)).toHaveLength(1);
    expect((await deliveries(t))[0]).toMatchObject({ status: "failed", attempts: 1, lastError: "slack: channel_not_found" });
  });

  test("retries are bounded", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    world.answer("POST", SLACK_POST, { json: { ok: false, error: "ratelimited" } });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(5);
    expect((await deliveries(t))[0]).toMatchObject({ status: "failed", attempts: 5, lastError: "slack: ratelimited" });
  });
});

describe("SMS", () => {
  test("without Twilio credentials the delivery is recorded as skipped", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const sms = await t.action(internal.notifications.saveDestination, { agencyId, kind: "sms", target: "(201) 555-0150" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "call_requested", destinationId: sms, mode: "realtime" });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "call_requested"));
    await runScheduled(t);
    expect(world.requests).toHaveLength(0);
    expect((await deliveries(t))[0]).toMatchObject({ status: "skipped", lastError: "twilio not configured" });
  });

  test("with Twilio credentials it posts To/From/Body with basic auth", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const sms = await saveSms(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "call_requested", destinationId: sms, mode: "realtime" });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "call_requested", "Dana asks for a call"));
    await runScheduled(t);
    const [post] = world.to(TWILIO_MESSAGES);
    expect(Object.fromEntries(new URLSearchParams(post.raw))).toEqual({
      To: "+12015550150",
      From: "+12015550100",
      Body: "[Atlas] Call requested: Dana asks for a call",
    });
    expect(post.headers.authorization).toBe(`Basic ${btoa(`${TWILIO_SID}:${TWILIO_TOKEN}`)}`);
    expect((await deliveries(t))[0]).toMatchObject({ status: "sent", providerMessageId: world.deliveredTexts[0].sid });
  });
});

describe("the caller's mutation", () => {
  test("commits even when every destination is failing", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    const removed = await saveSlack(t, agencyId, "C0GONE");
    const sms = await t.action(internal.notifications.saveDestination, { agencyId, kind: "sms", target: "(201) 555-0150" });
    for (const destinationId of [slack, removed, sms]) {
      await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId, mode: "realtime" });
    }
    world.answer("POST", SLACK_POST, { status: 500, json: {} });

    // Stands in for the booking path: its own write, then notify, in one transaction.
    await t.run(async (ctx) => {
      await ctx.db.patch("opportunities", opportunityId, { status: "Booked" });
      // The destination disappears between rule lookup and send.
      await notify(ctx, event(agencyId, opportunityId, "booked"));
      await ctx.db.delete("notificationDestinations", removed);
    });
    await runScheduled(t);

    expect(await t.run((ctx) => ctx.db.get("opportunities", opportunityId))).toMatchObject({ status: "Booked" });
    expect((await deliveries(t)).map((d) => d.status).sort()).toEqual(["failed", "skipped", "skipped"]);
  });
});

describe("daily digest", () => {
  async function digestSetup(startIso: string) {
    const { t, world, agencyId, opportunityId } = await seed(Date.parse(startIso));
    const slack = await saveSlack(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "positive_lead", destinationId: slack, mode: "digest" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "rejected", destinationId: slack, mode: "digest" });
    const digests = async () => (await deliveries(t)).filter((d) => d.mode === "digest").length;
    const at = async (iso: string) => {
      vi.setSystemTime(new Date(iso));
      const before = await digests();
      await t.mutation(internal.notifications.sendDigests, {});
      await runScheduled(t);
      return (await digests()) - before;
    };
    return { world, t, agencyId, opportunityId, at };
  }

  test("goes out at 08:00 New York: 12:00 UTC in summer, one message summarising the day", async () => {
    const { world, t, agencyId, opportunityId, at } = await digestSetup("2025-07-13T20:00:00Z");
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "positive_lead", "Dana wants pricing"));
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "rejected", "Dana said no"));
    expect(world.to(SLACK_POST)).toHaveLength(0);

    expect(await at("2025-07-14T11:07:00Z")).toBe(0); // 07:07 EDT
    expect(await at("2025-07-14T12:07:00Z")).toBe(1); // 08:07 EDT
    expect(await at("2025-07-14T12:37:00Z")).toBe(0); // same local date: not again
    const posts = world.to(SLACK_POST);
    expect(posts).toHaveLength(1);
    expect(posts[0].body).toMatchObject({
      text: "[Atlas] Daily digest for 2025-07-14: 2 updates\n• Positive lead: Dana wants pricing\n• Rejected: Dana said no",
    });
    const items = await rows(t, "notificationItems");
    expect(items.every((i) => i.state === "digested")).toBe(true);
  });

  test("follows the offset of each date across the fall-back change", async () => {
    const { world, t, agencyId, opportunityId, at } = await digestSetup("2025-10-31T20:00:00Z");
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "positive_lead"));
    expect(await at("2025-11-01T12:07:00Z")).toBe(1); // Sat 08:07 EDT (UTC-4)

    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "rejected"));
    expect(await at("2025-11-02T12:07:00Z")).toBe(0); // Sun 07:07 EST (UTC-5)
    expect(await at("2025-11-02T13:07:00Z")).toBe(1); // Sun 08:07 EST
    expect(world.to(SLACK_POST)).toHaveLength(2);
  });

  test("follows the offset of each date across the spring-forward change, in a chosen zone and hour", async () => {
    const { world, t, agencyId, opportunityId, at } = await digestSetup("2025-03-07T20:00:00Z");
    await t.mutation(internal.notifications.setSettings, { agencyId, digestHour: 9, digestTimeZone: "America/Chicago" });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "positive_lead"));
    expect(await at("2025-03-08T14:07:00Z")).toBe(0); // Sat 08:07 CST
    expect(await at("2025-03-08T15:07:00Z")).toBe(1); // Sat 09:07 CST (UTC-6)

    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "rejected"));
    expect(await at("2025-03-09T13:07:00Z")).toBe(0); // Sun 08:07 CDT
    expect(await at("2025-03-09T14:07:00Z")).toBe(1); // Sun 09:07 CDT (UTC-5)
    expect(world.to(SLACK_POST)).toHaveLength(2);
  });

  test("nextDigestAt uses each local date's own offset", () => {
    const ny = "America/New_York";
    const summer = Date.parse("2025-07-14T05:00:00Z");
    expect(new Date(nextDigestAt(summer, ny, 8)).toISOString()).toBe("2025-07-14T12:00:00.000Z");
    const winter = Date.parse("2025-01-15T05:00:00Z");
    expect(new Date(nextDigestAt(winter, ny, 8)).toISOString()).toBe("2025-01-15T13:00:00.000Z");
    // Still inside today's digest hour: due now; today already sent: tomorrow.
    expect(new Date(nextDigestAt(Date.parse("2025-07-14T12:30:00Z"), ny, 8)).toISOString()).toBe("2025-07-14T12:00:00.000Z");
    expect(new Date(nextDigestAt(Date.parse("2025-07-14T12:30:00Z"), ny, 8, "2025-07-14")).toISOString()).toBe(
      "2025-07-15T12:00:00.000Z",
    );
    // After Saturday's digest (EDT) the Sunday one is at 08:00 EST.
    expect(new Date(nextDigestAt(Date.parse("2025-11-01T12:07:00Z"), ny, 8, "2025-11-01")).toISOString()).toBe(
      "2025-11-02T13:00:00.000Z",
    );
    // Half-hour zone: 08:00 in Kolkata is 02:30 UTC.
    expect(new Date(nextDigestAt(Date.parse("2025-07-14T00:00:00Z"), "Asia/Kolkata", 8)).toISOString()).toBe(
      "2025-07-14T02:30:00.000Z",
    );
    expect(localDate(Date.parse("2025-07-14T03:00:00Z"), ny)).toBe("2025-07-13");
  });
});

describe("settings", () => {
  test("default to 08:00 America/New_York and a 24 h window; bad values are refused", async () => {
    const { t, agencyId } = await seed();
    expect(await t.query(internal.notifications.getSettings, { agencyId })).toMatchObject({
      digestHour: 8,
      digestTimeZone: "America/New_York",
      dedupeWindowMinutes: 1440,
    });
    await expect(t.mutation(internal.notifications.setSettings, { agencyId, digestHour: 24 })).rejects.toThrow(/digestHour must be a whole hour/);
    await expect(t.mutation(internal.notifications.setSettings, { agencyId, digestTimeZone: "Mars/Olympus" })).rejects.toThrow(
      /digestTimeZone is not a known IANA time zone/,
    );
    await expect(t.mutation(internal.notifications.setSettings, { agencyId, dedupeWindowMinutes: 0 })).rejects.toThrow(
      /dedupeWindowMinutes must be a whole number/,
    );
  });

  test("removing a destination removes its rules and secret", async () => {
    const { t, agencyId } = await seed();
    const slack = await saveSlack(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    await t.mutation(internal.notifications.removeDestination, { destinationId: slack });
    expect(await t.query(internal.notifications.listRules, { agencyId })).toEqual([]);
    expect(await rows(t, "notificationSecrets")).toHaveLength(0);
  });
});

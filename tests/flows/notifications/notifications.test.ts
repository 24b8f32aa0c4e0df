import { describe, expect, test, vi } from "vitest";
import type { FunctionReference } from "convex/server";
import { internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import * as notificationsModule from "../../../convex/notifications";
import { notify } from "../../../convex/model/notifications/notify";
import { localDate, nextDigestAt, type NotificationEvent } from "../../../convex/model/notifications/events";
import { normalizeDestination } from "../../../convex/model/channels";
import { maskSecret } from "../../../convex/model/channels/shared";
import { notificationRows } from "../../helpers/backend";
import { type Backend, rows, runScheduled, setupWorld } from "../../helpers/world";

const SLACK_TOKEN = "xoxb-1111-2222-SECRETslackTOKENabcd";
const TWILIO_SID = "AC0123456789abcdef0123456789abcdef";
const TWILIO_TOKEN = "twilioAuthTokenSECRET9876";

const SLACK_AUTH = /^https:\/\/slack\.com\/api\/auth\.test$/;
const SLACK_POST = /^https:\/\/slack\.com\/api\/chat\.postMessage$/;
const TWILIO_ACCOUNT = new RegExp(`^https://api\\.twilio\\.com/2010-04-01/Accounts/${TWILIO_SID}\\.json$`);
const TWILIO_MESSAGES = new RegExp(`^https://api\\.twilio\\.com/2010-04-01/Accounts/${TWILIO_SID}/Messages\\.json$`);
const RESEND = /^https:\/\/api\.resend\.com\/emails$/;

/** The seeded world in July 2025: Brightline meets Tue 10:00-12:00 and has no address, Dana has none either; emails off until a test turns them on. */
function seed(now = Date.parse("2025-07-14T15:00:00Z")) {
  return setupWorld({
    now,
    env: { RESEND_API_KEY: "", EMAIL_FROM: "" },
    agency: { availability: ["Tue 10:00-12:00"], email: undefined },
    prospect: { name: "Dana", phone: "(201) 555-0123", email: undefined },
  });
}

function saveSlack(t: Backend, agencyId: Id<"agencies">, channel = "C0SALES") {
  return t.action(internal.notifications.saveDestination, { agencyId, kind: "slack", target: channel, slackBotToken: SLACK_TOKEN });
}

function event(agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, e: NotificationEvent, text = "Dana (Acme)") {
  return { agencyId, opportunityId, event: e, text };
}

const deliveries = notificationRows;

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
    const sms = await t.action(internal.notifications.saveDestination, {
      agencyId,
      kind: "sms",
      target: "(201) 555-0150",
      twilioAccountSid: TWILIO_SID,
      twilioAuthToken: TWILIO_TOKEN,
      twilioFromNumber: "+12015550100",
    });
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
    expect((await deliveries(t))[0]).toMatchObject({ status: "sent", providerMessageId: "SM1" });
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

describe("secrets", () => {
  test("are masked in every query of the notification center, and never logged", async () => {
    const log = vi.spyOn(console, "log");
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    const sms = await t.action(internal.notifications.saveDestination, {
      agencyId,
      kind: "sms",
      target: "(201) 555-0150",
      twilioAccountSid: TWILIO_SID,
      twilioAuthToken: TWILIO_TOKEN,
      twilioFromNumber: "+12015550100",
    });
    for (const destinationId of [slack, sms]) {
      await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId, mode: "realtime" });
    }
    world.answer("POST", SLACK_POST, { status: 500, json: {} }, { json: { ok: false, error: "invalid_auth" } });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);

    const queries = Object.entries(notificationsModule).filter(
      ([, fn]) => (fn as { isQuery?: boolean }).isQuery === true,
    );
    expect(queries.map(([name]) => name).sort()).toEqual(["getSettings", "listDeliveries", "listDestinations", "listRules"]);
    const refs = internal.notifications as unknown as Record<string, FunctionReference<"query", "internal">>;
    for (const [name] of queries) {
      const json = JSON.stringify(await t.query(refs[name], { agencyId }));
      for (const secret of [SLACK_TOKEN, TWILIO_TOKEN, TWILIO_SID, "SECRET"]) expect(json, name).not.toContain(secret);
    }
    const listed = await t.query(internal.notifications.listDestinations, { agencyId });
    expect(listed.map((d) => d.secretMask)).toEqual(["xoxb-…abcd", "account …cdef, token …9876"]);

    const logged = log.mock.calls.map((c) => c.join(" ")).join("\n");
    expect(logged).toContain("notification.sent");
    for (const secret of [SLACK_TOKEN, TWILIO_TOKEN, "+12015550150"]) expect(logged).not.toContain(secret);
  });

  test("a bad Slack token is refused at save and nothing is stored", async () => {
    const { t, world, agencyId } = await seed();
    world.answer("POST", SLACK_AUTH, { json: { ok: false, error: "invalid_auth" } });
    const saving = saveSlack(t, agencyId);
    await expect(saving).rejects.toThrow(/Slack refused the bot token \(slack: invalid_auth\); nothing was stored/);
    await expect(saving).rejects.not.toThrow(SLACK_TOKEN);
    expect(world.to(SLACK_AUTH)[0].headers.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(await rows(t, "notificationDestinations")).toHaveLength(0);
    expect(await rows(t, "notificationSecrets")).toHaveLength(0);
  });

  test("bad Twilio credentials are refused at save and nothing is stored", async () => {
    const { t, world, agencyId } = await seed();
    world.answer("GET", TWILIO_ACCOUNT, { status: 401, json: { code: 20003, message: "Authenticate" } });
    await expect(
      t.action(internal.notifications.saveDestination, {
        agencyId,
        kind: "sms",
        target: "(201) 555-0150",
        twilioAccountSid: TWILIO_SID,
        twilioAuthToken: TWILIO_TOKEN,
        twilioFromNumber: "+12015550100",
      }),
    ).rejects.toThrow(/Twilio refused twilioAccountSid and twilioAuthToken \(twilio: HTTP 401\); nothing was stored/);
    expect(world.to(TWILIO_ACCOUNT)).toHaveLength(1);
    expect(await rows(t, "notificationSecrets")).toHaveLength(0);
  });

  test("malformed destinations are refused before any secret leaves", async () => {
    const { t, world, agencyId } = await seed();
    await expect(
      t.action(internal.notifications.saveDestination, { agencyId, kind: "slack", target: "C0SALES", slackBotToken: "not-a-token" }),
    ).rejects.toThrow(/slackBotToken must be a Slack bot token/);
    await expect(
      t.action(internal.notifications.saveDestination, { agencyId, kind: "email", target: "nobody" }),
    ).rejects.toThrow(/target is not a valid email address/);
    await expect(
      t.action(internal.notifications.saveDestination, { agencyId, kind: "sms", target: "12345" }),
    ).rejects.toThrow(/target is not a valid number for US/);
    expect(world.requests).toHaveLength(0);
  });

  async function saveSms(t: Backend, agencyId: Id<"agencies">) {
    return await t.action(internal.notifications.saveDestination, {
      agencyId,
      kind: "sms",
      target: "(201) 555-0150",
      twilioAccountSid: TWILIO_SID,
      twilioAuthToken: TWILIO_TOKEN,
      twilioFromNumber: "+12015550100",
    });
  }

  /** Every document of the notification tables, as the dashboard's Data page shows them. */
  async function dataPage(t: Backend) {
    return await t.run(async (ctx) => {
      const tables = ["notificationDestinations", "notificationSecrets", "outbox", "notificationSettings"] as const;
      return JSON.stringify(await Promise.all(tables.map((table) => ctx.db.query(table).collect())));
    });
  }

  test("are stored encrypted (the Data page shows ciphertext) and decrypted only to send", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    const sms = await saveSms(t, agencyId);
    const stored = await dataPage(t);
    for (const secret of [SLACK_TOKEN, TWILIO_TOKEN, "SECRET", btoa(`${TWILIO_SID}:${TWILIO_TOKEN}`)]) expect(stored).not.toContain(secret);
    const secrets = await rows(t, "notificationSecrets");
    expect(secrets).toHaveLength(2);
    for (const row of secrets) {
      expect(row.sealed).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
      expect(row).not.toHaveProperty("slackBotToken");
      expect(row).not.toHaveProperty("twilio");
    }

    for (const destinationId of [slack, sms]) {
      await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId, mode: "realtime" });
    }
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    expect(world.to(SLACK_POST).map((r) => r.headers.authorization)).toEqual([`Bearer ${SLACK_TOKEN}`]);
    expect(world.to(TWILIO_MESSAGES).map((r) => r.headers.authorization)).toEqual([`Basic ${btoa(`${TWILIO_SID}:${TWILIO_TOKEN}`)}`]);
    expect((await deliveries(t)).map((d) => d.status)).toEqual(["sent", "sent"]);
    expect(await dataPage(t)).not.toContain("SECRET");
  });

  test("without ATLAS_ENCRYPTION_KEY a secret is refused before it goes anywhere; email needs none", async () => {
    const { t, world, agencyId } = await seed();
    vi.stubEnv("ATLAS_ENCRYPTION_KEY", "");
    const saving = saveSlack(t, agencyId);
    await expect(saving).rejects.toThrow(/ATLAS_ENCRYPTION_KEY is not set/);
    await expect(saving).rejects.not.toThrow(SLACK_TOKEN);
    await expect(saveSms(t, agencyId)).rejects.toThrow(/ATLAS_ENCRYPTION_KEY is not set/);
    expect(world.requests).toHaveLength(0);
    expect(await rows(t, "notificationSecrets")).toHaveLength(0);
    expect(await rows(t, "notificationDestinations")).toHaveLength(0);
    await t.action(internal.notifications.saveDestination, { agencyId, kind: "email", target: "owner@brightline.test" });
    // Nor can anything store a plaintext secret past saveDestination.
    await expect(
      t.mutation(internal.notifications.storeDestination, {
        agencyId,
        kind: "slack",
        label: "slack",
        target: "C0SALES",
        configured: true,
        sealedSecret: SLACK_TOKEN,
      }),
    ).rejects.toThrow(/plaintext secrets are never stored/);
  });

  test("a key changed after saving: the message fails without sending, and says why", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    vi.stubEnv("ATLAS_ENCRYPTION_KEY", btoa("a different key of 32 bytes....."));
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(0);
    expect(await deliveries(t)).toMatchObject([{ status: "failed", attempts: 1, lastError: expect.stringMatching(/does not decrypt/) }]);
  });

  test("plaintext rows saved before encryption are skipped until encryptLegacySecrets seals them", async () => {
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await t.run(async (ctx) => {
      const destinationId = await ctx.db.insert("notificationDestinations", {
        agencyId,
        kind: "slack",
        label: "old slack",
        target: "C0OLD",
        configured: true,
        secretMask: "xoxb-…abcd",
      });
      await ctx.db.insert("notificationSecrets", { agencyId, destinationId, slackBotToken: SLACK_TOKEN });
      return destinationId;
    });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "booked", destinationId: slack, mode: "realtime" });
    await t.mutation(internal.notifications.setRule, { agencyId, event: "rejected", destinationId: slack, mode: "realtime" });
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "booked"));
    await runScheduled(t);
    expect(world.to(SLACK_POST)).toHaveLength(0);
    expect(await deliveries(t)).toMatchObject([{ status: "skipped", lastError: expect.stringMatching(/encryptLegacySecrets/) }]);

    expect(await t.action(internal.notifications.encryptLegacySecrets, {})).toEqual({ encrypted: 1 });
    expect(await t.action(internal.notifications.encryptLegacySecrets, {})).toEqual({ encrypted: 0 });
    expect(await dataPage(t)).not.toContain("SECRET");
    await t.mutation(internal.notifications.notifyEvent, event(agencyId, opportunityId, "rejected"));
    await runScheduled(t);
    expect(world.to(SLACK_POST).map((r) => r.headers.authorization)).toEqual([`Bearer ${SLACK_TOKEN}`]);
  });

  test("masks show a recognisable prefix and tail only", () => {
    expect(maskSecret(SLACK_TOKEN)).toBe("xoxb-…abcd");
    expect(maskSecret("short")).toBe("…");
    expect(() => normalizeDestination({ kind: "sms", target: "+12015550150", twilioAccountSid: TWILIO_SID })).toThrow(
      /twilioAuthToken is empty/,
    );
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

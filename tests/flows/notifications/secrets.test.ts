/** Notification secrets: verified when saved, stored encrypted, never returned or logged. */
import { describe, expect, test, vi } from "vitest";
import type { FunctionReference } from "convex/server";
import { internal } from "../../../convex/_generated/api";
import * as notificationsModule from "../../../convex/notifications";
import { normalizeDestination } from "../../../convex/model/channels";
import { maskSecret } from "../../../convex/model/channels/shared";
import { type Backend, rows, runScheduled } from "../../helpers/world";
import { SLACK_TOKEN, TWILIO_SID, TWILIO_TOKEN, SLACK_AUTH, SLACK_POST, TWILIO_ACCOUNT, TWILIO_MESSAGES, seed, saveSlack, event, deliveries, saveSms } from "../../helpers/notifications";

describe("secrets", () => {
  test("are masked in every query of the notification center, and never logged", async () => {
    const log = vi.spyOn(console, "log");
    const { t, world, agencyId, opportunityId } = await seed();
    const slack = await saveSlack(t, agencyId);
    const sms = await saveSms(t, agencyId);
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
      saveSms(t, agencyId),
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

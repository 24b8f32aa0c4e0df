import { describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { internal } from "../../../convex/_generated/api";
import { queueText, textKey } from "../../../convex/model/texts/ledger";
import { TwilioError } from "../../helpers/fakeWorld";
import { TWILIO_SID, TWILIO_TOKEN } from "../../helpers/notifications";
import { CALLER, missedCall, textBackWorld, textRequests, texts } from "../../helpers/texts";
import { rows, runScheduled } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

const STAFF_PHONE = "+12015550150";

describe("the text sender", () => {
  test("a staff text is queued once per key and sent through the outbox", async () => {
    const { t, world, agencyId } = await textBackWorld({ textBack: { enabled: false } });
    const request = { key: textKey.staff("attempt-1"), agencyId, purpose: "staff" as const, to: STAFF_PHONE, body: "Sam Ortiz (+12015550187) wants a call back." };
    const first = await t.run((ctx) => queueText(ctx, request));
    const again = await t.run((ctx) => queueText(ctx, request));
    expect(first).toMatchObject({ status: "queued", outboxId: expect.any(String) });
    expect(again).toEqual({ textId: first.textId, status: "queued", outboxId: null });
    await runScheduled(t);
    expect(textRequests(world).map((r) => [r.To, r.From, r.Body])).toEqual([[STAFF_PHONE, "+12125550100", request.body]]);
    expect(await texts(t)).toEqual([expect.objectContaining({ purpose: "staff", status: "sent" })]);
  });

  test("a transient Twilio failure is retried with backoff and sent once, and counted once for billing", async () => {
    const { t, world, agencyId } = await textBackWorld();
    world.twilioReplies = [new TwilioError(503, 20500, "Service Unavailable")];
    await missedCall(t, "vapi-missed-1");
    await runScheduled(t);
    const sent = textRequests(world);
    expect(sent).toHaveLength(2);
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(60_000);
    expect(world.deliveredTexts).toHaveLength(1);
    expect((await texts(t))[0]).toMatchObject({ status: "sent" });
    // Billing counts the text once, not once per attempt.
    const month = new Date(sent[1].at).toISOString().slice(0, 7);
    expect(await t.query(internal.usage.month, { agencyId, month })).toMatchObject({ texts: 1 });
  });

  test("a lost reply is never resent (Twilio has no idempotency key): the text is unknown", async () => {
    const { t, world } = await textBackWorld();
    world.twilioReplies = ["lost"];
    await missedCall(t, "vapi-missed-1");
    await runScheduled(t);
    await t.mutation(internal.outbox.sweep, {});
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(1);
    expect((await texts(t))[0]).toMatchObject({ status: "unknown" });
    expect((await rows(t, "outbox"))[0]).toMatchObject({ status: "unknown", attempts: 1 });
  });

  test("a permanent Twilio error fails at once", async () => {
    const { t, world } = await textBackWorld();
    world.twilioReplies = [new TwilioError(400, 21211, "The 'To' number is not a valid phone number.")];
    await missedCall(t, "vapi-missed-1");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(1);
    expect((await texts(t))[0]).toMatchObject({ status: "failed", reason: "twilio: HTTP 400 code 21211" });
    expect(await rows(t, "textOptOuts")).toHaveLength(0);
  });

  test("without a Twilio account the text is skipped with the reason", async () => {
    const { t, world } = await textBackWorld({ env: { TWILIO_ACCOUNT_SID: "", TWILIO_AUTH_TOKEN: "" } });
    await missedCall(t, "vapi-missed-1");
    await runScheduled(t);
    expect(world.requests.filter((r) => r.url.includes("twilio"))).toHaveLength(0);
    expect((await texts(t))[0]).toMatchObject({ status: "skipped", reason: "twilio not configured (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)" });
  });

  test("the agency's own account and number are used when it has them, the token stored encrypted", async () => {
    const { t, world, agencyId } = await textBackWorld();
    await t.action(internal.texts.configureSms, { agencyId, smsFromNumber: "(201) 555-0100", twilioAccountSid: TWILIO_SID, twilioAuthToken: TWILIO_TOKEN });
    await missedCall(t, "vapi-missed-1");
    await runScheduled(t);
    const [sent] = textRequests(world);
    expect(sent).toMatchObject({ To: CALLER, From: "+12015550100" });
    expect(sent.url).toContain(`/Accounts/${TWILIO_SID}/Messages.json`);
    expect(world.to(/Messages\.json$/)[0].headers.authorization).toBe(`Basic ${btoa(`${TWILIO_SID}:${TWILIO_TOKEN}`)}`);
    const stored = JSON.stringify(await rows(t, "agencySmsCredentials"));
    expect(stored).not.toContain(TWILIO_TOKEN);
    expect(stored).toContain("v1:");
  });
});

async function refusal(run: Promise<unknown>): Promise<string> {
  const e = await run.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConvexError);
  return String((e as ConvexError<string>).data);
}

describe("settings refused name the field, and nothing is written", () => {
  test("configureTextBack", async () => {
    const { t, agencyId } = await textBackWorld({ textBack: { enabled: false } });
    const before = await rows(t, "textBackSettings");
    const configure = (args: Record<string, unknown>) => t.mutation(internal.callbacks.configureTextBack, { agencyId, enabled: true, ...args });
    expect(await refusal(configure({ delaySeconds: -1 }))).toBe("delaySeconds must be a whole number from 0 to 3600");
    expect(await refusal(configure({ delaySeconds: 2.5 }))).toMatch(/^delaySeconds /);
    expect(await refusal(configure({ delaySeconds: 7200 }))).toMatch(/^delaySeconds /);
    expect(await refusal(configure({ text: "   " }))).toBe("text is empty");
    expect(await refusal(configure({ text: "x".repeat(481) }))).toBe("text must be at most 480 characters");
    expect(await rows(t, "textBackSettings")).toEqual(before);
  });

  test("configureTextBack defaults: 30 seconds, the default text, no booking texts", async () => {
    const { t, agencyId } = await textBackWorld({ textBack: {} });
    expect(await rows(t, "textBackSettings")).toEqual([expect.objectContaining({ agencyId, enabled: true, delaySeconds: 30, confirmBookings: false })]);
    expect((await rows(t, "textBackSettings"))[0].text).toBeUndefined();
  });

  test("configureSms", async () => {
    const { t, agencyId } = await textBackWorld();
    const configure = (args: Record<string, string>) => t.action(internal.texts.configureSms, { agencyId, ...args });
    expect(await refusal(configure({ smsFromNumber: "555-01" }))).toBe("smsFromNumber is not a valid number for US");
    expect(await refusal(configure({ twilioAuthToken: TWILIO_TOKEN }))).toBe("twilioAccountSid is required with twilioAuthToken");
    const text = await refusal(configure({ twilioAccountSid: TWILIO_TOKEN, twilioAuthToken: TWILIO_TOKEN }));
    expect(text).toMatch(/^twilioAccountSid must start with AC/);
    expect(text).not.toContain(TWILIO_TOKEN);
    expect(await rows(t, "agencySmsCredentials")).toHaveLength(0);
    expect((await rows(t, "agencies"))[0].smsFromNumber).toBeUndefined();
  });
});

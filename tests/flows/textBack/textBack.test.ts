import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { AGREED } from "../../helpers/conversation";
import { TEST_ENV } from "../../helpers/fakeWorld";
import { advance, CALLER, missedCall, reportInbound, ring, textBackWorld, textRequests, texts } from "../../helpers/texts";
import { AGENCY_NUMBER } from "../../helpers/vapiPayloads";
import { rows, runScheduled } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

const HOUR = 60 * 60_000;
const NOT_BOOKED = { meetingBooked: false, confidence: 0.9, evidence: null };

describe("missed-call text-back", () => {
  test("a missed inbound call gets one text after the delay, from the agency's number, naming the agency", async () => {
    const { t, world, agencyId } = await textBackWorld({ agency: { bookingLink: "https://cal.example/brightline" } });
    const callId = await missedCall(t, "vapi-missed-1");
    const endedAt = Date.now();
    expect(textRequests(world)).toHaveLength(0);
    await runScheduled(t);

    const sent = textRequests(world);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ To: CALLER, From: AGENCY_NUMBER });
    expect(sent[0].Body).toBe("Hi, this is Brightline Growth. Sorry we missed your call! Book a time that suits you here: https://cal.example/brightline");
    expect(sent[0].url).toContain(`/Accounts/${TEST_ENV.TWILIO_ACCOUNT_SID}/Messages.json`);
    expect(sent[0].at - endedAt).toBeGreaterThanOrEqual(30_000);
    expect(await texts(t)).toEqual([
      expect.objectContaining({ agencyId, callId, purpose: "missed_call", to: CALLER, status: "sent", providerMessageId: world.deliveredTexts[0].sid }),
    ]);
    expect((await rows(t, "outbox")).filter((r) => r.channel === "sms")).toEqual([expect.objectContaining({ status: "sent", attempts: 1 })]);
  });

  test("the agency's own delay and wording are used", async () => {
    const { t, world } = await textBackWorld({ textBack: { delaySeconds: 120, text: "Sorry we missed you! Call us back on this number." } });
    await missedCall(t, "vapi-missed-1");
    const endedAt = Date.now();
    await runScheduled(t);
    const [sent] = textRequests(world);
    expect(sent.Body).toBe("Sorry we missed you! Call us back on this number.");
    expect(sent.at - endedAt).toBeGreaterThanOrEqual(120_000);
  });

  test("a second missed call within 24 hours gets no text; one after 24 hours does", async () => {
    const { t, world } = await textBackWorld();
    await missedCall(t, "vapi-missed-1");
    await runScheduled(t);
    advance(3 * HOUR);
    await missedCall(t, "vapi-missed-2");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(1);
    expect((await texts(t)).map((x) => [x.status, x.reason])).toEqual([
      ["sent", undefined],
      ["skipped", "already texted back within 24 hours"],
    ]);

    advance(22 * HOUR);
    await missedCall(t, "vapi-missed-3");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(2);
  });

  test("two missed calls before the first text goes out still send one text", async () => {
    const { t, world } = await textBackWorld();
    await missedCall(t, "vapi-missed-1");
    advance(10_000);
    await missedCall(t, "vapi-missed-2");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(1);
  });

  test("a caller who called back and talked to us before the delay ran out gets no text", async () => {
    const { t, world } = await textBackWorld();
    await missedCall(t, "vapi-missed-1");
    advance(15_000);
    const callback = await ring(t, "vapi-callback-2");
    world.groqReplies = [NOT_BOOKED];
    await reportInbound(t, "vapi-callback-2", callback!, { seconds: 12, lines: AGREED.slice(0, 2) });
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(0);
    expect((await texts(t))[0]).toMatchObject({ status: "skipped", reason: "the caller called back and talked to us" });
  });

  test("a call back that was missed too does not count as talking", async () => {
    const { t, world } = await textBackWorld();
    await missedCall(t, "vapi-missed-1");
    advance(15_000);
    await missedCall(t, "vapi-missed-2");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(1);
  });

  test("a call that became a conversation gets no text", async () => {
    const { t, world } = await textBackWorld();
    const callId = await ring(t, "vapi-talk-1");
    world.groqReplies = [NOT_BOOKED];
    await reportInbound(t, "vapi-talk-1", callId!, { seconds: 95, lines: AGREED.slice(0, 2) });
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(0);
    expect(await texts(t)).toHaveLength(0);
  });

  test("a caller who hung up before the call connected gets a text, whatever the report's length", async () => {
    const { t, world } = await textBackWorld();
    const callId = await ring(t, "vapi-hungup-1");
    await reportInbound(t, "vapi-hungup-1", callId!, { seconds: 40, endedReason: "call.ringing.sip-inbound-caller-hungup-before-call-connect" });
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(1);
  });

  test("when our assistant-request answer was an error, the caller still gets a text", async () => {
    const { t, world } = await textBackWorld({ env: { VAPI_ASSISTANT_ID: "" } });
    expect(await ring(t, "vapi-error-1")).toBeNull();
    await runScheduled(t);
    expect(textRequests(world)).toEqual([expect.objectContaining({ To: CALLER, From: AGENCY_NUMBER })]);
    expect((await texts(t))[0]).toMatchObject({ key: "text:missed_call:vapi-error-1", status: "sent" });
  });

  test("text-back off (or never configured) sends nothing", async () => {
    const { t, world, agencyId } = await textBackWorld({ textBack: { enabled: false } });
    await missedCall(t, "vapi-missed-1");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(0);
    // Turned off while a text waited for its delay: it is skipped, with the reason.
    await t.mutation(internal.callbacks.configureTextBack, { agencyId, enabled: true });
    await missedCall(t, "vapi-missed-2");
    await t.mutation(internal.callbacks.configureTextBack, { agencyId, enabled: false });
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(0);
    expect((await texts(t)).map((x) => x.reason)).toEqual(["text-back turned off"]);
  });
});

describe("opt-outs", () => {
  test("a caller who opted out of calls gets no text", async () => {
    const { t, world, opportunityId } = await textBackWorld();
    await t.run((ctx) => ctx.db.patch("opportunities", opportunityId, { doNotCall: true, optedOutAt: Date.now() }));
    await missedCall(t, "vapi-missed-1", "+12015550123");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(0);
    expect((await texts(t))[0]).toMatchObject({ status: "skipped", reason: "opted out of calls" });
  });

  test("Twilio's 21610 opts the number out: the text fails once, is not retried, and no later text is tried", async () => {
    const { t, world, agencyId } = await textBackWorld();
    world.twilioUnsubscribed.add(CALLER);
    await missedCall(t, "vapi-missed-1");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(1);
    expect((await texts(t))[0]).toMatchObject({ status: "failed", reason: "twilio: HTTP 400 code 21610" });
    expect(await rows(t, "textOptOuts")).toEqual([expect.objectContaining({ agencyId, phone: CALLER, source: "twilio_unsubscribed" })]);

    advance(25 * HOUR);
    await missedCall(t, "vapi-missed-2");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(1);
    expect((await texts(t))[1]).toMatchObject({ status: "skipped", reason: "opted out of texts" });
  });

  test("a landline caller is skipped and the skip recorded", async () => {
    const { t, world } = await textBackWorld();
    await missedCall(t, "vapi-missed-1", "+442071838750");
    await runScheduled(t);
    expect(textRequests(world)).toHaveLength(0);
    expect((await texts(t))[0]).toMatchObject({ to: "+442071838750", status: "skipped", reason: "cannot receive texts (landline)" });
  });
});

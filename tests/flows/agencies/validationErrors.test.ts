/**
 * Bad input from staff is refused with an error that names the field and says why,
 * and never carries the value: Convex writes a failed call's error to its logs, and
 * what staff type is often a person's number or address, or a secret pasted into the
 * wrong field. Each value below is distinctive so any echo of it is caught.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { stubTestEnv } from "../../helpers/fakeWorld";
import { newBackend } from "../../helpers/backend";
import { rows, setupWorld } from "../../helpers/world";

const AGENCY = { name: "Brightline Growth", timeZone: "America/New_York", availability: ["Mon-Fri 09:00-17:00"] };
/** A Twilio auth token (32 hex digits), pasted into the account SID field by mistake. */
const PASTED_TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const TWILIO_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const SLACK_TOKEN = "xoxb-1111-2222-Zq7KxSecretToken";

let consoleLines: string[];

beforeEach(() => {
  // Secrets are checked with the provider, then stored encrypted: the key must be set to reach that check.
  stubTestEnv();
  consoleLines = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(" "));
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The error's whole text as Convex would log it: message and data. */
async function errorText(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "the call was refused").toBeInstanceOf(Error);
  const { message, data } = error as Error & { data?: unknown };
  return `${message} ${JSON.stringify(data ?? null)}`;
}

/** Forms a value could be echoed in: as typed, trimmed, and its digits alone (for phone numbers). */
function echoes(value: string): string[] {
  const digits = value.replace(/\D/g, "");
  return [value, value.trim(), ...(digits.length >= 7 ? [digits] : [])];
}

function expectNamedNotEchoed(text: string, field: RegExp, ...values: string[]) {
  expect(text).toMatch(field);
  for (const value of values) {
    for (const form of echoes(value)) {
      expect(text).not.toContain(form);
      for (const line of consoleLines) expect(line).not.toContain(form);
    }
  }
}

describe("agencies.create", () => {
  test.each([
    ["timeZone", { timeZone: "Atlantis/Zq7Kx_Harbour" }, /timeZone is not a known IANA time zone/, "Atlantis/Zq7Kx_Harbour"],
    ["email", { email: "ops.zq7kx@@brightline.example" }, /email is not a valid address/, "ops.zq7kx@@brightline.example"],
    ["inboundPhoneNumber", { inboundPhoneNumber: "(201) 555-77319" }, /inboundPhoneNumber is not a valid number for US/, "(201) 555-77319"],
    ["availability", { availability: ["Mon 09:00-12:00", "Zqday 10:00-12:00"] }, /availability\[1\] has an unknown weekday/, "Zqday"],
    ["bookingLink", { bookingLink: "brightline zq7kx booking page" }, /bookingLink is not a URL/, "brightline zq7kx booking page"],
  ])("a bad %s is named, not echoed", { timeout: 60_000 }, async (_, override, field, value) => {
    const t = newBackend();
    const text = await errorText(t.mutation(internal.agencies.create, { ...AGENCY, ...override }));
    expectNamedNotEchoed(text, field, value);
  });

  test("an inbound number another agency has is named, not echoed", async () => {
    const t = newBackend();
    await t.mutation(internal.agencies.create, { ...AGENCY, inboundPhoneNumber: "(201) 555-0177" });
    const text = await errorText(t.mutation(internal.agencies.create, { ...AGENCY, inboundPhoneNumber: "201.555.0177" }));
    expectNamedNotEchoed(text, /inboundPhoneNumber already belongs to another agency/, "201.555.0177", "+12015550177");
  });
});

describe("opportunities.create", () => {
  test.each([
    ["phone", { phone: "+1 999 000 7731" }, /phone is not a valid international phone number/, "+1 999 000 7731"],
    ["phone without +", { phone: "(415) 555-77310" }, /phone is not a valid number for US/, "(415) 555-77310"],
    ["email", { email: "dana.zq7kx@@clinic.example" }, /email is not a valid address/, "dana.zq7kx@@clinic.example"],
    ["timeZone", { timeZone: "America/Nowhere_Zq7" }, /timeZone is not a known IANA time zone/, "America/Nowhere_Zq7"],
  ])("a bad %s is named, not echoed", async (_, override, field, value) => {
    const t = newBackend();
    const agencyId = await t.mutation(internal.agencies.create, AGENCY);
    const text = await errorText(
      t.mutation(internal.opportunities.create, { agencyId, name: "Dana Whitfield", phone: "(201) 555-0123", ...override }),
    );
    expectNamedNotEchoed(text, field, value);
    expect(await rows(t, "opportunities")).toHaveLength(0);
  });
});

describe("notification settings", () => {
  test("a token pasted into twilioAccountSid is named, never echoed, and nothing is sent or stored", async () => {
    const { t, world, agencyId } = await setupWorld();
    const text = await errorText(
      t.action(internal.notifications.saveDestination, {
        agencyId,
        kind: "sms",
        target: "(201) 555-0150",
        twilioAccountSid: PASTED_TOKEN,
        twilioAuthToken: TWILIO_TOKEN,
        twilioFromNumber: "+12015550100",
      }),
    );
    expectNamedNotEchoed(text, /^twilioAccountSid must start with AC and have 34 characters/, PASTED_TOKEN, TWILIO_TOKEN, "(201) 555-0150");
    expect(world.requests).toHaveLength(0);
    expect(await rows(t, "notificationDestinations")).toHaveLength(0);
  });

  test("credentials Twilio refuses are named, the account SID and token never echoed", async () => {
    const { t, world, agencyId } = await setupWorld();
    world.answer("GET", /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/[^/]+\.json$/, { status: 401, json: { code: 20003 } });
    const sid = `AC${PASTED_TOKEN}`;
    const text = await errorText(
      t.action(internal.notifications.saveDestination, {
        agencyId,
        kind: "sms",
        target: "(201) 555-0150",
        twilioAccountSid: sid,
        twilioAuthToken: TWILIO_TOKEN,
        twilioFromNumber: "+12015550100",
      }),
    );
    expectNamedNotEchoed(text, /twilioAccountSid and twilioAuthToken/, sid, PASTED_TOKEN, TWILIO_TOKEN);
  });

  test.each([
    ["an email target", { kind: "email" as const, target: "sales.zq7kx@@brightline.example" }, /target is not a valid email address/],
    ["an SMS target", { kind: "sms" as const, target: "(201) 555-77319" }, /target is not a valid number for US/],
    ["a Slack channel", { kind: "slack" as const, target: "#sales zq7kx team", slackBotToken: SLACK_TOKEN }, /target is not a Slack channel/],
    [
      "a Twilio sending number",
      { kind: "sms" as const, target: "(201) 555-0150", twilioAccountSid: `AC${PASTED_TOKEN}`, twilioAuthToken: TWILIO_TOKEN, twilioFromNumber: "+1 999 000 7731" },
      /twilioFromNumber is not a valid international phone number/,
    ],
  ])("%s is named, not echoed", async (_, input, field) => {
    const { t, agencyId } = await setupWorld();
    const text = await errorText(t.action(internal.notifications.saveDestination, { agencyId, ...input }));
    expectNamedNotEchoed(text, field, ...Object.values(input).filter((v) => v !== input.kind));
  });

  test("a bad digest time zone is named, not echoed", async () => {
    const { t, agencyId } = await setupWorld();
    const text = await errorText(t.mutation(internal.notifications.setSettings, { agencyId, digestTimeZone: "Europe/Zq7kx_Land" }));
    expectNamedNotEchoed(text, /digestTimeZone is not a known IANA time zone/, "Europe/Zq7kx_Land");
  });
});

describe("a prospect's scheduler link", () => {
  test("a link with credentials is named, not echoed", async () => {
    const { t, opportunityId } = await setupWorld();
    const link = "https://dana:Zq7kxPassw0rd@cal.com/dana/intro";
    const text = await errorText(t.action(internal.schedulerLinks.handleProspectLink, { opportunityId, link, book: true }));
    expectNamedNotEchoed(text, /^link carries credentials/, link, "Zq7kxPassw0rd");
  });
});

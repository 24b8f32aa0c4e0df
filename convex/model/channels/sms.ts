/** SMS through Twilio's Messages API. No idempotency key: a lost outcome is never resent. */
import { v, type Infer } from "convex/values";
import { z } from "zod";
import { toE164 } from "../scheduling/phone";
import { defineChannel, DestinationError, failed, jsonOrNull, maskSecret, request } from "./shared";

/** Twilio account credentials and the number messages come from: the one declaration of their shape. */
export const twilioCredentials = v.object({ accountSid: v.string(), authToken: v.string(), fromNumber: v.string() });
export type TwilioCredentials = Infer<typeof twilioCredentials>;
export const smsSecret = v.object({ twilio: twilioCredentials });
type SmsSecret = Infer<typeof smsSecret>;

const twilioReply = z.object({ sid: z.string().optional(), code: z.number().nullish() });

/** Twilio's error for a recipient who texted STOP: nothing reaches them until they text START. */
export const TWILIO_UNSUBSCRIBED = "21610";

/** The deployment's Twilio account (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN), or null when either is unset. */
export function deploymentTwilio(env: Record<string, string | undefined>): Pick<TwilioCredentials, "accountSid" | "authToken"> | null {
  const accountSid = env.TWILIO_ACCOUNT_SID?.trim();
  const authToken = env.TWILIO_AUTH_TOKEN?.trim();
  return accountSid && authToken ? { accountSid, authToken } : null;
}

function twilioAuth(creds: Pick<TwilioCredentials, "accountSid" | "authToken">): string {
  return `Basic ${btoa(`${creds.accountSid}:${creds.authToken}`)}`;
}

function twilioAccountUrl(accountSid: string): string {
  return `https://api.twilio.com/2010-04-01/Accounts/${encodeURIComponent(accountSid)}`;
}

export const smsChannel = defineChannel<SmsSecret>()({
  inputFields: {
    twilioAccountSid: v.optional(v.string()),
    twilioAuthToken: v.optional(v.string()),
    twilioFromNumber: v.optional(v.string()),
  },
  secret: smsSecret,
  check(rawTarget, fields) {
    const target = toE164(rawTarget, "US", "target");
    const given = [fields.twilioAccountSid, fields.twilioAuthToken, fields.twilioFromNumber];
    // Without Twilio the destination is kept, and its messages are recorded as skipped.
    if (given.every((f) => f === undefined)) return { target, configured: false };
    const [accountSid, authToken, fromNumber] = given.map((f) => f?.trim() ?? "");
    if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
      throw new DestinationError("twilioAccountSid must start with AC and have 34 characters (AC and 32 hex digits)");
    }
    if (!authToken) throw new DestinationError("twilioAuthToken is empty");
    if (!fromNumber) throw new DestinationError("twilioFromNumber is empty");
    return {
      target,
      configured: true,
      secretMask: `account ${maskSecret(accountSid)}, token ${maskSecret(authToken)}`,
      secret: { twilio: { accountSid, authToken, fromNumber: toE164(fromNumber, "US", "twilioFromNumber") } },
    };
  },
  async verify({ twilio }) {
    const res = await request(`${twilioAccountUrl(twilio.accountSid)}.json`, { method: "GET", headers: { Authorization: twilioAuth(twilio) } });
    const outcome = res?.ok ? null : failed("twilio", { status: res?.status ?? null });
    return outcome && !outcome.ok ? `Twilio refused twilioAccountSid and twilioAuthToken (${outcome.error})` : null;
  },
  /**
   * Sends with the destination's (or agency's) stored account, else the deployment's; from
   * `message.from` when the message names its sender (an agency's number), else the stored one.
   */
  async send(message, secret) {
    const account = secret?.twilio ?? deploymentTwilio(process.env);
    const from = message.from ?? secret?.twilio.fromNumber;
    if (!account || !from) return { ok: false, retryable: false, error: "twilio not configured" };
    const res = await request(`${twilioAccountUrl(account.accountSid)}/Messages.json`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: twilioAuth(account) },
      body: new URLSearchParams({ To: message.to, From: from, Body: message.text }).toString(),
    });
    if (!res) return failed("twilio", { status: null });
    const reply = twilioReply.safeParse(await jsonOrNull(res));
    const data = reply.success ? reply.data : {};
    if (!res.ok) {
      const code = data.code ? String(data.code) : undefined;
      const outcome = failed("twilio", { status: res.status, code: code && `code ${code}` });
      return outcome.ok ? outcome : { ...outcome, code };
    }
    return { ok: true, providerMessageId: data.sid };
  },
  disabledReason: () => null,
  missingSecret: "twilio not configured",
  idempotent: false,
});

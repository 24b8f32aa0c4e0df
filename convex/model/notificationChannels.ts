/**
 * The outside world of notifications: Slack, Twilio and Resend. Every call resolves
 * `globalThis.fetch` when it runs (tests stub it). Results carry short error codes
 * only: never a token, a phone number, an address or a message body.
 */
import { Resend } from "resend";
import { z } from "zod";

export type SendOutcome =
  | { ok: true; providerMessageId?: string }
  | { ok: false; retryable: boolean; error: string };

export type TwilioCredentials = { accountSid: string; authToken: string; fromNumber: string };

/** Slack error codes worth another attempt; the rest (channel_not_found, invalid_auth, ...) are permanent. */
const SLACK_RETRYABLE = new Set(["ratelimited", "internal_error", "fatal_error", "request_timeout", "service_unavailable"]);

const slackReply = z.object({ ok: z.boolean(), error: z.string().optional(), ts: z.string().optional() });
const twilioReply = z.object({ sid: z.string().optional(), code: z.number().nullish() });

function httpFailure(status: number, service: string, detail?: string): SendOutcome {
  return {
    ok: false,
    retryable: status === 429 || status >= 500,
    error: `${service}: HTTP ${status}${detail ? ` ${detail}` : ""}`,
  };
}

async function request(url: string, init: RequestInit): Promise<Response | null> {
  try {
    return await globalThis.fetch(url, init);
  } catch {
    return null;
  }
}

async function jsonOrNull(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/** Slack Web API: HTTP 200 with `{ ok: false, error }` is a failure too. */
async function callSlack(method: string, token: string, body: Record<string, string>): Promise<SendOutcome> {
  const res = await request(`https://slack.com/api/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res) return { ok: false, retryable: true, error: "slack: network error" };
  if (!res.ok) return httpFailure(res.status, "slack");
  const reply = slackReply.safeParse(await jsonOrNull(res));
  if (!reply.success) return { ok: false, retryable: true, error: "slack: unreadable reply" };
  if (!reply.data.ok) {
    const code = reply.data.error ?? "unknown_error";
    return { ok: false, retryable: SLACK_RETRYABLE.has(code), error: `slack: ${code}` };
  }
  return { ok: true, providerMessageId: reply.data.ts };
}

export function sendSlack(token: string, channel: string, text: string): Promise<SendOutcome> {
  return callSlack("chat.postMessage", token, { channel, text });
}

export function checkSlackToken(token: string): Promise<SendOutcome> {
  return callSlack("auth.test", token, {});
}

function twilioAuth(creds: Pick<TwilioCredentials, "accountSid" | "authToken">): string {
  return `Basic ${btoa(`${creds.accountSid}:${creds.authToken}`)}`;
}

function twilioAccountUrl(accountSid: string): string {
  return `https://api.twilio.com/2010-04-01/Accounts/${encodeURIComponent(accountSid)}`;
}

export async function sendSms(creds: TwilioCredentials, to: string, text: string): Promise<SendOutcome> {
  const res = await request(`${twilioAccountUrl(creds.accountSid)}/Messages.json`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: twilioAuth(creds) },
    body: new URLSearchParams({ To: to, From: creds.fromNumber, Body: text }).toString(),
  });
  if (!res) return { ok: false, retryable: true, error: "twilio: network error" };
  const reply = twilioReply.safeParse(await jsonOrNull(res));
  const data = reply.success ? reply.data : {};
  if (!res.ok) return httpFailure(res.status, "twilio", data.code ? `code ${data.code}` : undefined);
  return { ok: true, providerMessageId: data.sid };
}

export async function checkTwilio(creds: Pick<TwilioCredentials, "accountSid" | "authToken">): Promise<SendOutcome> {
  const res = await request(`${twilioAccountUrl(creds.accountSid)}.json`, {
    method: "GET",
    headers: { Authorization: twilioAuth(creds) },
  });
  if (!res) return { ok: false, retryable: true, error: "twilio: network error" };
  if (!res.ok) return httpFailure(res.status, "twilio");
  return { ok: true };
}

export async function sendEmail(
  apiKey: string,
  email: { from: string; to: string; subject: string; text: string; idempotencyKey: string },
): Promise<SendOutcome> {
  // Built here, not at module load, so the client picks up the fetch of this moment.
  const resend = new Resend(apiKey);
  try {
    const { data, error } = await resend.emails.send(
      { from: email.from, to: email.to, subject: email.subject, text: email.text },
      { idempotencyKey: email.idempotencyKey },
    );
    if (error) {
      const status = error.statusCode;
      return {
        ok: false,
        retryable: status === null || status === 429 || status >= 500,
        error: `resend: ${error.name}${status ? ` HTTP ${status}` : ""}`,
      };
    }
    return { ok: true, providerMessageId: data?.id };
  } catch {
    return { ok: false, retryable: true, error: "resend: network error" };
  }
}

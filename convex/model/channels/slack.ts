/** Slack: a bot token (xoxb-) posting to a channel with chat.postMessage. No idempotency key: a lost outcome is never resent. */
import { v, type Infer } from "convex/values";
import { z } from "zod";
import { isRetryable } from "../retryPolicy";
import { defineChannel, DestinationError, failed, jsonOrNull, maskSecret, request, type SendOutcome } from "./shared";

export const slackSecret = v.object({ slackBotToken: v.string() });
type SlackSecret = Infer<typeof slackSecret>;

const slackReply = z.object({ ok: z.boolean(), error: z.string().optional(), ts: z.string().optional() });

/** Slack Web API: HTTP 200 with `{ ok: false, error }` is a failure too. */
async function callSlack(method: string, token: string, body: Record<string, string>): Promise<SendOutcome> {
  const res = await request(`https://slack.com/api/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res) return failed("slack", { status: null });
  if (!res.ok) return failed("slack", { status: res.status });
  const reply = slackReply.safeParse(await jsonOrNull(res));
  if (!reply.success) return { ok: false, retryable: true, error: "slack: unreadable reply" };
  if (!reply.data.ok) {
    const code = reply.data.error ?? "unknown_error";
    return { ok: false, retryable: isRetryable({ status: res.status, code }), error: `slack: ${code}` };
  }
  return { ok: true, providerMessageId: reply.data.ts };
}

export const slackChannel = defineChannel<SlackSecret>()({
  inputFields: { slackBotToken: v.optional(v.string()) },
  secret: slackSecret,
  check(target, fields) {
    if (!/^#?[A-Za-z0-9._-]{1,80}$/.test(target)) throw new DestinationError("target is not a Slack channel id or name");
    const token = fields.slackBotToken?.trim();
    if (!token || !token.startsWith("xoxb-")) throw new DestinationError("slackBotToken must be a Slack bot token (it starts with xoxb-)");
    return { target, configured: true, secretMask: maskSecret(token), secret: { slackBotToken: token } };
  },
  async verify(secret) {
    const check = await callSlack("auth.test", secret.slackBotToken, {});
    return check.ok ? null : `Slack refused the bot token (${check.error})`;
  },
  async send(message, secret) {
    if (!secret) return { ok: false, retryable: false, error: "slack: token missing" };
    return await callSlack("chat.postMessage", secret.slackBotToken, { channel: message.to, text: message.text });
  },
  disabledReason: () => null,
  missingSecret: "slack token missing",
  idempotent: false,
});

/**
 * Email through Resend: every email Atlas sends (invites, prospect emails,
 * staff notifications). The outbox key goes to Resend as the Idempotency-Key,
 * so an attempt whose outcome was lost is sent again and Resend drops the repeat.
 * Needs RESEND_API_KEY and EMAIL_FROM in the deployment, no per-destination secret.
 */
import { Resend } from "resend";
import { defineChannel, DestinationError, failed } from "./shared";

/** An address Resend can send to: one @, no spaces, a dot in the domain. */
export function isEmailAddress(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

/** Sender settings from the environment; null means email is switched off. */
export function emailSettings(env: Record<string, string | undefined> = process.env) {
  const apiKey = env.RESEND_API_KEY;
  const from = env.EMAIL_FROM;
  if (!apiKey || !from) return null;
  return { apiKey, from };
}

export const emailChannel = defineChannel<null>()({
  inputFields: {},
  secret: null,
  check(target) {
    if (!isEmailAddress(target)) throw new DestinationError("target is not a valid email address");
    return { target, configured: true };
  },
  verify: async () => null,
  async send(message) {
    const settings = emailSettings();
    if (!settings) return { ok: false, retryable: false, error: "resend: email disabled" };
    // Built per send so the global fetch is resolved at call time (tests stub it).
    const resend = new Resend(settings.apiKey);
    try {
      const { data, error } = await resend.emails.send(
        {
          from: settings.from,
          to: [message.to],
          subject: message.subject,
          text: message.text,
          replyTo: message.replyTo,
          attachments: message.attachments?.map((a) => ({
            filename: a.filename,
            content: new TextEncoder().encode(a.content),
            contentType: a.contentType,
          })),
        },
        { idempotencyKey: message.idempotencyKey },
      );
      if (error || !data) return failed("resend", { status: error?.statusCode ?? null, code: error?.name ?? "no_data" });
      return { ok: true, providerMessageId: data.id };
    } catch {
      return failed("resend", { status: null });
    }
  },
  disabledReason(env) {
    if (!env.RESEND_API_KEY) return "email disabled: RESEND_API_KEY is not set";
    if (!env.EMAIL_FROM) return "email disabled: EMAIL_FROM is not set";
    return null;
  },
  missingSecret: "",
  idempotent: true,
});


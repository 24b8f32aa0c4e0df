/**
 * Sending one email through Resend. Shared by every email Atlas sends (booking
 * links, free-slot suggestions, confirmations): the caller owns the exactly-once
 * ledger (`deliveries`) and passes its key, which Resend also receives as the
 * Idempotency-Key so a retried send after a lost reply is not delivered twice.
 */
import { Resend } from "resend";
import { describeError, isRetryable } from "./delivery";

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  replyTo?: string;
  attachments?: { filename: string; content: string | Uint8Array; contentType?: string }[];
  /** The delivery ledger key: one email per key, ever. */
  idempotencyKey: string;
}

export type SendResult =
  | { status: "sent"; providerMessageId: string }
  | { status: "disabled"; reason: string }
  | { status: "failed"; error: string; retryable: boolean };

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

export async function sendEmail(email: OutgoingEmail): Promise<SendResult> {
  const settings = emailSettings();
  if (!settings) return { status: "disabled", reason: "RESEND_API_KEY or EMAIL_FROM is not set" };
  // Built per send so the global fetch is resolved at call time (tests stub it).
  const resend = new Resend(settings.apiKey);
  try {
    const { data, error } = await resend.emails.send(
      {
        from: settings.from,
        to: [email.to],
        subject: email.subject,
        text: email.text,
        replyTo: email.replyTo,
        attachments: email.attachments,
      },
      { idempotencyKey: email.idempotencyKey },
    );
    if (error || !data) {
      const providerError = { statusCode: error?.statusCode ?? null, name: error?.name ?? "no_data", message: error?.message ?? "" };
      return { status: "failed", error: describeError(providerError), retryable: isRetryable(providerError) };
    }
    return { status: "sent", providerMessageId: data.id };
  } catch (e) {
    return { status: "failed", error: `Resend unreachable: ${e instanceof Error ? e.name : "unknown"}`, retryable: true };
  }
}

/**
 * What every channel adapter (email.ts, slack.ts, sms.ts) implements, and the
 * HTTP plumbing they share. A channel's results carry short error codes only:
 * never a token, a phone number, an address or a message body.
 */
import { v, type GenericValidator, type Infer, type VString } from "convex/values";
import { isRetryable, type ProviderFailure } from "../retryPolicy";

/** What one attempt at a provider came to. */
export const sendOutcome = v.union(
  v.object({ ok: v.literal(true), providerMessageId: v.optional(v.string()) }),
  v.object({
    ok: v.literal(false),
    retryable: v.boolean(),
    error: v.string(),
    /** The provider's own error code when it gave one (Twilio 21610: the recipient unsubscribed). */
    code: v.optional(v.string()),
    /** No reply came: the provider may have acted on the request (outbox/status.ts decides by the channel's idempotency). */
    noReply: v.optional(v.boolean()),
  }),
);
export type SendOutcome = Infer<typeof sendOutcome>;

/** One message as the outbox hands it to a channel. */
export const outgoingMessage = v.object({
  /** The channel's own address: Slack channel, email address, E.164 number. */
  to: v.string(),
  subject: v.string(),
  text: v.string(),
  /** The outbox key: channels with idempotency (Resend) pass it on, so a resend after a lost reply is dropped. */
  idempotencyKey: v.string(),
  replyTo: v.optional(v.string()),
  /** The sender's own address when it is not the channel's (an agency's SMS number). */
  from: v.optional(v.string()),
  attachments: v.optional(v.array(v.object({ filename: v.string(), content: v.string(), contentType: v.string() }))),
});
export type OutgoingMessage = Infer<typeof outgoingMessage>;

/** A destination after its channel checked it, before anything is stored. */
export interface CheckedDestination<Secret> {
  target: string;
  /** False when the channel's credentials were left out: its messages are recorded as skipped. */
  configured: boolean;
  /** What staff see of the secret ("xoxb-…abcd"). */
  secretMask?: string;
  secret?: Secret;
}

/** Bad destination settings: the message names the field and why, never the value. */
export class DestinationError extends Error {}

type InputFields = Record<string, VString<string | undefined, "optional">>;

export interface Channel<Secret, Fields extends InputFields = InputFields> {
  /** Optional fields of notifications.saveDestination that only this channel takes (its credentials). */
  inputFields: Fields;
  /** The shape of the secret stored (encrypted) for a destination; null when the channel has none. */
  secret: GenericValidator | null;
  /** Target normalisation and field checks at save time: throws DestinationError. */
  check(target: string, fields: Record<string, string | undefined>): CheckedDestination<Secret>;
  /** Asks the provider whether the secret works, before it is stored: null when it does, else why not. */
  verify(secret: Secret): Promise<string | null>;
  send(message: OutgoingMessage, secret: Secret | null): Promise<SendOutcome>;
  /** Why this deployment cannot send on the channel at all (settings missing), or null. */
  disabledReason(env: Record<string, string | undefined>): string | null;
  /** How a message to a destination saved without its secret is settled (as skipped). */
  missingSecret: string;
  /**
   * The provider drops a repeat of an idempotency key, so an attempt whose
   * outcome was lost is sent again under the same key. Without it an unknown
   * outcome is never sent again: it becomes `unknown` for staff.
   */
  idempotent: boolean;
}

/** Builds a channel with its secret's type checked against its own methods: `defineChannel<Secret>()({ ... })`. */
export function defineChannel<Secret>() {
  return <Fields extends InputFields>(channel: Channel<Secret, Fields>): Channel<Secret, Fields> => channel;
}

/** Enough of a secret for staff to recognise it ("xoxb-…abcd"), never enough to use it. */
export function maskSecret(secret: string): string {
  const dash = secret.indexOf("-");
  const prefix = dash > 0 && dash <= 5 ? secret.slice(0, dash + 1) : "";
  const tail = secret.length >= 12 ? secret.slice(-4) : "";
  return `${prefix}…${tail}`;
}

/** A failed provider answer as an outcome: retryable per model/retryPolicy.ts, described by status and code. */
export function failed(service: string, failure: ProviderFailure): SendOutcome {
  const status = failure.status === null ? "network error" : `HTTP ${failure.status}`;
  const error = `${service}: ${status}${failure.code ? ` ${failure.code}` : ""}`;
  return { ok: false, retryable: isRetryable(failure), error, ...(failure.status === null ? { noReply: true } : {}) };
}

/** fetch resolved at call time (tests stub it); null when no reply came. */
export async function request(url: string, init: RequestInit): Promise<Response | null> {
  try {
    return await globalThis.fetch(url, init);
  } catch {
    return null;
  }
}

export async function jsonOrNull(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

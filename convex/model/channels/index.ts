/**
 * The registry of notification channels. A channel is one file exporting a
 * Channel (shared.ts): its secret's shape, target checks, verification at
 * save time and send. Adding one is that file, its name in `destinationKind`
 * and its line in CHANNELS; nothing else in Atlas names a channel.
 */
import { v, type Infer } from "convex/values";
import { validate } from "convex-helpers/validators";
import { emailChannel } from "./email";
import { DestinationError, type Channel, type CheckedDestination } from "./shared";
import { slackChannel } from "./slack";
import { smsChannel } from "./sms";

export const destinationKind = v.union(v.literal("slack"), v.literal("email"), v.literal("sms"));
export type DestinationKind = Infer<typeof destinationKind>;

const CHANNELS = { slack: slackChannel, email: emailChannel, sms: smsChannel } satisfies Record<DestinationKind, unknown>;

/**
 * A channel with its secret type erased: the registry hands secrets only after
 * `openSecret` checked them against the channel's own validator.
 */
export function channelOf(kind: DestinationKind): Channel<unknown> {
  return CHANNELS[kind] as unknown as Channel<unknown>;
}

/** Every channel's own saveDestination fields (credentials), for the function's argument validator. */
export const channelInputFields = Object.assign({}, ...Object.values(CHANNELS).map((c) => c.inputFields)) as UnionToIntersection<
  (typeof CHANNELS)[DestinationKind]["inputFields"]
>;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

export interface DestinationInput {
  kind: DestinationKind;
  label?: string;
  /** Slack channel id or name, email address, or phone number for SMS. */
  target: string;
  [field: string]: string | undefined;
}

export type NormalizedDestination = CheckedDestination<unknown> & { kind: DestinationKind; label: string };

/**
 * Checks a destination before anything is stored or any secret is sent anywhere:
 * another channel's fields are refused, then the channel checks its own. Errors
 * name the field and why, never the value: a target is a person's address or
 * number, and a secret may be pasted into the wrong field (errors reach Convex's logs).
 */
export function normalizeDestination(input: DestinationInput): NormalizedDestination {
  const { kind, label: rawLabel, target: rawTarget, ...fields } = input;
  const target = rawTarget.trim();
  const own = channelOf(kind).inputFields;
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined || field in own) continue;
    const owner = (Object.keys(CHANNELS) as DestinationKind[]).find((k) => field in channelOf(k).inputFields);
    throw new DestinationError(`${field} only applies to ${owner ?? "other"} destinations, not ${kind}`);
  }
  const checked = channelOf(kind).check(target, fields);
  return { kind, label: rawLabel?.trim() || `${kind} ${target}`, ...checked };
}

/** A decrypted secret's JSON checked against its channel's shape; throws DestinationError when it does not fit. */
export function openSecret(kind: DestinationKind, json: string): unknown {
  const shape = channelOf(kind).secret;
  const secret: unknown = JSON.parse(json);
  if (shape && !validate(shape, secret)) throw new DestinationError(`the stored ${kind} secret does not have the ${kind} channel's shape`);
  return secret;
}

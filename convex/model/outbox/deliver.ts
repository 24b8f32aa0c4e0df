/**
 * One attempt at one outbox row from an action: claim, send through the
 * channel (the secret decrypted here and nowhere else), record. Used by
 * outbox.send and by actions that send what they just queued without a
 * scheduling hop (followUp.sendBookingConfirmation).
 */
import type { Infer } from "convex/values";
import { internal } from "../../_generated/api";
import type { Id } from "../../_generated/dataModel";
import type { ActionCtx } from "../../_generated/server";
import { channelOf, openSecret } from "../channels";
import { DestinationError, type SendOutcome } from "../channels/shared";
import { decryptSecret, SecretError } from "../secrets";
import { writeCalendarEvent } from "../calendar/access";
import type { channelJob, OutboxChannel } from "./messages";

/** A secret that no longer decrypts (or fits its channel) fails the same way every time: not retried. */
async function attempt(job: Infer<typeof channelJob>): Promise<SendOutcome> {
  let secret: unknown = null;
  if (job.sealedSecret) {
    try {
      secret = openSecret(job.channel, await decryptSecret(job.sealedSecret));
    } catch (e) {
      if (e instanceof SecretError || e instanceof DestinationError) return { ok: false, retryable: false, error: e.message };
      throw e;
    }
  }
  return await channelOf(job.channel).send(job.message, secret);
}

/** Never throws for a provider's failure: it is recorded on the row, with a retry when the policy allows. */
export async function deliver(ctx: ActionCtx, outboxId: Id<"outbox">): Promise<void> {
  const job = await ctx.runMutation(internal.outbox.claim, { outboxId });
  if (!job) return;
  const outcome = job.channel === "google_calendar" ? await writeCalendarEvent(ctx, job) : await attempt(job);
  await ctx.runMutation(internal.outbox.record, { outboxId, outcome });
}

/** Whether a row lost mid-attempt may go again: the channel drops repeats (Resend's key; Google's event id). */
export function isIdempotent(channel: OutboxChannel): boolean {
  return channel === "google_calendar" || channelOf(channel).idempotent;
}

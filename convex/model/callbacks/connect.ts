/**
 * Putting the staff member through to the caller, on connect_to_customer or
 * Vapi's transfer-destination-request: claimed once per attempt in a
 * transaction (status "connecting"); the transfer itself is posted by the
 * webhook to the call's live-control URL after the claim commits.
 */
import type { MutationCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { logEvent } from "../log";
import { settle } from "./flow";

export const CONNECTING_REPLY = "Connecting you now.";
export const ALREADY_CONNECTING_REPLY = "Already connecting you; please hold.";
export const ALREADY_CONNECTED_ERROR = "This message's caller is already connected; nothing more to do.";
export const CALL_OVER_ERROR = "This staff call is no longer live; nobody was connected.";
export const TRANSFER_FAILED_ERROR = "The transfer could not be started; the message will be emailed to the team.";
export const OPTED_OUT_ERROR = "The caller has asked not to be called; nobody was connected.";
export const ONLY_CONNECT_ERROR = "Only connect_to_customer works on a staff callback call.";

export interface Destination {
  number: string;
  /** The agency's own number, so the caller sees the business calling back. */
  callerId?: string;
}

/** `post`: this request claimed the connection, so the transfer is posted (once); later ones only learn the destination. */
export type ConnectClaim =
  | { ok: true; result: string; destination: Destination; post: boolean; controlUrl?: string }
  | { ok: false; error: string };

/**
 * The attempt of a callback call, by our id in its metadata or by Vapi's id; none
 * for a message of another Vapi call than the attempt's (a dial Vapi refused for
 * concurrency: the attempt waits at the gate again or dials anew).
 */
export async function findAttempt(ctx: MutationCtx, ref: { attemptId?: string; vapiCallId?: string }) {
  const id = ref.attemptId ? ctx.db.normalizeId("callbackAttempts", ref.attemptId) : null;
  const attempt = id
    ? await ctx.db.get("callbackAttempts", id)
    : ref.vapiCallId
      ? await ctx.db
          .query("callbackAttempts")
          .withIndex("by_vapi_call_id", (q) => q.eq("vapiCallId", ref.vapiCallId))
          .first()
      : null;
  if (!attempt || ref.vapiCallId === undefined) return attempt;
  // Another Vapi call of this attempt (an earlier dial Vapi refused): its late messages change nothing.
  if (ref.vapiCallId === attempt.refusedVapiCallId) return null;
  if (attempt.vapiCallId !== undefined && attempt.vapiCallId !== ref.vapiCallId) return null;
  return attempt;
}

/**
 * Claims the connection for this attempt. Only a live staff call of a message not
 * yet connected may connect; a second request on the same call (another tool call
 * id, Vapi asking for the destination too) gets the destination but posts nothing again.
 */
export async function claimConnect(ctx: MutationCtx, attempt: Doc<"callbackAttempts">, webhookControlUrl: string | undefined): Promise<ConnectClaim> {
  const message = await ctx.db.get("staffMessages", attempt.staffMessageId);
  if (!message || message.status === "connected") return { ok: false, error: ALREADY_CONNECTED_ERROR };
  const opportunity = await ctx.db.get("opportunities", message.opportunityId);
  if (!opportunity || opportunity.doNotCall) return { ok: false, error: OPTED_OUT_ERROR };
  const agency = await ctx.db.get("agencies", attempt.agencyId);
  const destination: Destination = { number: attempt.customerPhone, ...(agency?.inboundPhoneNumber ? { callerId: agency.inboundPhoneNumber } : {}) };
  if (attempt.status === "connecting") return { ok: true, result: ALREADY_CONNECTING_REPLY, destination, post: false };
  if (attempt.status !== "dialing") return { ok: false, error: CALL_OVER_ERROR };
  const now = Date.now();
  await ctx.db.patch("callbackAttempts", attempt._id, {
    status: "connecting",
    connectingAt: now,
    answeredAt: attempt.answeredAt ?? now,
    updatedAt: now,
  });
  logEvent("callback.connecting", { attemptId: attempt._id, staffMessageId: message._id });
  return { ok: true, result: CONNECTING_REPLY, destination, post: true, controlUrl: attempt.controlUrl ?? webhookControlUrl };
}

/** The transfer could not be posted: the connection failed, and the message goes the fallback way. */
export async function recordTransferFailure(ctx: MutationCtx, attemptId: Id<"callbackAttempts">, reason: string): Promise<void> {
  const attempt = await ctx.db.get("callbackAttempts", attemptId);
  if (!attempt) return;
  // Staff are still on the call: it keeps its line until it ends.
  await settle(ctx, attempt, "connect_failed", { failure: { message: reason.slice(0, 300) } }, { callOver: false });
}

/**
 * Vapi refusing a dial for concurrency (its organisation is at its limit): the
 * dial goes back to the pacing queue, never `failed`. Vapi says so either on the
 * create (HTTP 429) or by ending the created call with the concurrency reason.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { MutationCtx } from "../../_generated/server";
import type { Doc } from "../../_generated/dataModel";
import { backoffMs, CONCURRENCY_REQUEUE } from "../retryPolicy";
import { requeueDial } from "./dialGate";
import { logEvent } from "../log";

export const CONCURRENCY_ENDED_REASON: Vapi.ServerMessageEndOfCallReportEndedReason =
  "call.start.error-subscription-concurrency-limit-reached";

/** A create answered 429, or a call ended (or refused) with Vapi's concurrency reason. */
export function isConcurrencyRefusal(f: { statusCode?: number; message?: string; endedReason?: string }): boolean {
  if (f.statusCode === 429) return true;
  if (f.endedReason === CONCURRENCY_ENDED_REASON) return true;
  return f.message?.includes(CONCURRENCY_ENDED_REASON) ?? false;
}

/** Statuses a refused dial can be in: Vapi never connected it. */
const REFUSABLE: Doc<"calls">["status"][] = ["queued", "ringing"];

/** Still open to a refusal: not yet ended, or ended by a status-update that gave no reason (the report says why). */
function refusable(call: Doc<"calls">): boolean {
  if (REFUSABLE.includes(call.status)) return true;
  return call.status === "ended" && call.endedReason === undefined && call.outcome === undefined && call.reportReceivedAt === undefined;
}

/**
 * The refused dial waits at the gate again, after a backoff, in its lane; the
 * refused Vapi call id is kept so its late messages change nothing. Returns
 * false when there is nothing to requeue (a repeat, or the call moved on).
 */
export async function requeueAfterRefusal(ctx: MutationCtx, call: Doc<"calls">, refusedVapiCallId?: string): Promise<boolean> {
  if (!refusable(call)) return false;
  if (refusedVapiCallId !== undefined && refusedVapiCallId === call.refusedVapiCallId) return false;
  const now = Date.now();
  const refusals = (call.concurrencyRefusals ?? 0) + 1;
  const dueAt = now + (backoffMs(CONCURRENCY_REQUEUE, refusals) ?? CONCURRENCY_REQUEUE.maxDelayMs);
  await ctx.db.patch("calls", call._id, {
    status: "scheduled",
    vapiCallId: undefined,
    refusedVapiCallId: refusedVapiCallId ?? call.refusedVapiCallId,
    concurrencyRefusals: refusals,
    dialAt: dueAt,
    updatedAt: now,
  });
  await requeueDial(ctx, call._id, { kind: "call", callId: call._id }, dueAt);
  logEvent("call.requeued", { callId: call._id, reason: "vapi concurrency limit", refusals, dueAt });
  return true;
}

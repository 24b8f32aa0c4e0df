/** Shared by the pacing and campaign flows: prospects in bulk, the gate's lines, and Vapi's view of live calls. */
import { expect, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { addProspect, type Backend, postWebhook, rows } from "./world";
import { statusUpdate } from "./vapiPayloads";

/** Vapi's limit and Atlas's reserve for the test: `lines` outbound lines (VAPI_MAX_CONCURRENT_CALLS - VAPI_INBOUND_RESERVE). */
export function withOutboundLines(lines: number, reserve = 2): void {
  vi.stubEnv("VAPI_MAX_CONCURRENT_CALLS", String(lines + reserve));
  vi.stubEnv("VAPI_INBOUND_RESERVE", String(reserve));
}

/** `n` more prospects of the agency, New York numbers, in creation order. */
export async function prospects(t: Backend, agencyId: Id<"agencies">, n: number): Promise<Id<"opportunities">[]> {
  const ids: Id<"opportunities">[] = [];
  for (let i = 0; i < n; i++) ids.push(await addProspect(t, agencyId, `Prospect ${i}`, `+1212555${String(1000 + i).padStart(4, "0")}`));
  return ids;
}

const LIVE: Doc<"calls">["status"][] = ["queued", "ringing", "in-progress", "forwarding"];

/** Calls Vapi has created and not ended: what Vapi counts against the organisation's limit. */
export async function liveAtVapi(t: Backend): Promise<Doc<"calls">[]> {
  return (await rows(t, "calls")).filter((c) => c.vapiCallId !== undefined && LIVE.includes(c.status));
}

/** Asserts Vapi never holds more than `limit` of our calls and the ledger agrees with it. */
export async function expectWithinLines(t: Backend, limit: number): Promise<number> {
  const live = await liveAtVapi(t);
  const lines = await rows(t, "dialLines");
  expect(live.length).toBeLessThanOrEqual(limit);
  expect(lines.length).toBeLessThanOrEqual(limit);
  return live.length;
}

/** Vapi says the call ended (status-update), with `endedReason`. */
export async function endCall(t: Backend, call: Doc<"calls">, endedReason = "customer-did-not-answer") {
  const res = await postWebhook(t, statusUpdate(call.vapiCallId!, call._id, "ended", endedReason));
  expect(res.status).toBe(200);
}

export async function startCalls(t: Backend, opportunityIds: Id<"opportunities">[]): Promise<Id<"calls">[]> {
  return await Promise.all(opportunityIds.map((opportunityId) => t.mutation(internal.calls.startCall, { opportunityId })));
}

/** Runs what is due now (the gate's pump, the dial it starts, the chain after), without moving the clock on. */
export async function runDueNow(t: Backend) {
  for (let i = 0; i < 6; i++) {
    vi.advanceTimersByTime(0);
    await t.finishInProgressScheduledFunctions();
  }
}

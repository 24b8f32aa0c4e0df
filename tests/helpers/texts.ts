/** Shared by the text flows: an inbound world with text-back on, a missed call as Vapi reports it, the texts stored. */
import { expect, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { Line } from "./conversation";
import { assistantRequest, endOfCallReport } from "./vapiPayloads";
import { type Backend, postWebhook, setupWorld, type WorldOptions } from "./world";

/** A caller the agency does not know yet (a US number: texts can reach it). */
export const CALLER = "+12015550187";
export const TWILIO_MESSAGES_URL = /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/;

/** Brightline with its inbound number and text-back on (30 s, default text) unless `textBack` says otherwise. */
export async function textBackWorld(opts: WorldOptions & { textBack?: { enabled?: boolean; delaySeconds?: number; text?: string; confirmBookings?: boolean } } = {}) {
  const w = await setupWorld({ ...opts, agency: { inboundPhoneNumber: "(212) 555-0100", ...opts.agency } });
  await w.t.mutation(internal.callbacks.configureTextBack, { agencyId: w.agencyId, enabled: true, ...opts.textBack });
  return w;
}

/** Vapi asks for an assistant for an inbound call; returns our call id (or null when we answered an error). */
export async function ring(t: Backend, vapiCallId: string, caller = CALLER): Promise<Id<"calls"> | null> {
  const res = await postWebhook(t, assistantRequest({ number: caller }, undefined, vapiCallId));
  expect(res.status).toBe(200);
  const reply = (await res.json()) as { assistantOverrides?: { metadata: { callId: Id<"calls"> } } };
  return reply.assistantOverrides?.metadata.callId ?? null;
}

/** Vapi's report of the inbound call: `seconds` long, `lines` said, ended for `endedReason`. */
export async function reportInbound(t: Backend, vapiCallId: string, callId: string, opts: { seconds: number; lines?: Line[]; endedReason?: string }) {
  const start = Date.now() - opts.seconds * 1000;
  const report = endOfCallReport(vapiCallId, callId, opts.lines ?? [], {
    endedReason: opts.endedReason ?? "customer-ended-call",
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(Date.now()).toISOString(),
  });
  const res = await postWebhook(t, report);
  expect(res.status).toBe(200);
}

/** An inbound call the caller hung up on 4 seconds in, saying nothing. */
export async function missedCall(t: Backend, vapiCallId: string, caller = CALLER) {
  const callId = await ring(t, vapiCallId, caller);
  expect(callId).not.toBeNull();
  await reportInbound(t, vapiCallId, callId!, { seconds: 4 });
  return callId!;
}

/** Moves the clock without running what is scheduled. */
export function advance(ms: number) {
  vi.setSystemTime(Date.now() + ms);
}

export async function texts(t: Backend) {
  return await t.run((ctx) => ctx.db.query("texts").collect());
}

/** What Twilio was asked to send, read from the form bodies. */
export function textRequests(world: { to(host: RegExp): { raw: string; at: number; url: string }[] }) {
  return world.to(TWILIO_MESSAGES_URL).map((r) => {
    const form = new URLSearchParams(r.raw);
    return { To: form.get("To"), From: form.get("From"), Body: form.get("Body"), at: r.at, url: r.url };
  });
}

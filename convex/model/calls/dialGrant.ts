/** What the pacing gate starts when a line frees, per kind of dial (model/calls/dialGate.ts). */
import type { MutationCtx } from "../../_generated/server";
import { internal } from "../../_generated/api";
import type { DialSubject } from "./dialGate";
import { grantMember } from "../campaigns/members";

/** Starts the subject's dial; returns what holds the line, or null when there is nothing to dial any more. */
export async function grantDial(ctx: MutationCtx, subject: DialSubject): Promise<DialSubject | null> {
  switch (subject.kind) {
    case "call": {
      const call = await ctx.db.get("calls", subject.callId);
      // Cancelled or already dialled since it queued: the line stays free.
      if (call?.status !== "scheduled") return null;
      await ctx.scheduler.runAfter(0, internal.vapi.startPhoneCall, { callId: call._id });
      return subject;
    }
    case "campaignMember": {
      // The line is the new call's: a lost dial is requeued as that call (the member is already waiting on it).
      const callId = await grantMember(ctx, subject.memberId);
      return callId && { kind: "call", callId };
    }
    case "callbackAttempt": {
      const attempt = await ctx.db.get("callbackAttempts", subject.attemptId);
      // Settled while it waited (callbacks turned off, message settled): the line stays free.
      if (attempt?.status !== "scheduled") return null;
      await ctx.scheduler.runAfter(0, internal.staffCalls.placeStaffCall, { attemptId: attempt._id });
      return subject;
    }
  }
}

/** The status of what holds a line (a call, or a staff callback attempt); null when it is gone. "scheduled": granted, never dialled. */
export async function holderStatus(ctx: MutationCtx, holder: string): Promise<string | null> {
  const callId = ctx.db.normalizeId("calls", holder);
  if (callId) return (await ctx.db.get("calls", callId))?.status ?? null;
  const attemptId = ctx.db.normalizeId("callbackAttempts", holder);
  if (attemptId) return (await ctx.db.get("callbackAttempts", attemptId))?.status ?? null;
  return null;
}

/**
 * Leads posted by a CRM (POST /api/leads, convex/leads.ts): the key, its rate limit, the
 * Idempotency-Key, the prospect and the dial, decided in one transaction.
 */
import { ConvexError } from "convex/values";
import type { MutationCtx } from "../_generated/server";
import type { Doc, Id } from "../_generated/dataModel";
import { findKey, ratePerMinute, takeRateSlot } from "./apiKeys";
import { insertProspect, prospectByPhone, type FieldError, type Prospect } from "./prospects";
import { scheduleAttempt } from "./calls/attempts";
import { grantDial } from "./calls/dialGrant";
import { openTask } from "./tasks";
import { logEvent } from "./log";

export interface LeadRequest {
  keyPrefix: string;
  keyHash: string;
  bodyHash: string;
  idempotencyKey?: string;
  /** The lead as read at the edge, or why it could not be. */
  lead: (Prospect & { callNow?: boolean }) | null;
  errors: FieldError[];
}

export type LeadAnswer =
  | { status: 201 | 200; opportunityId: Id<"opportunities">; callId?: Id<"calls">; keyId: Id<"apiKeys"> }
  | { status: 400 | 422; errors: FieldError[]; keyId: Id<"apiKeys"> }
  | { status: 401; reason: "unknown" | "revoked" }
  | { status: 429; retryAfterSeconds: number; keyId: Id<"apiKeys"> };

/**
 * The one place a lead is dialled at once: an attempt queued at the pacing gate from the
 * prospect's next calling moment, in the speed-to-lead lane (ahead of waiting dials), and
 * dialled in this transaction when it is due now and a line is free. With no free time to offer, a person is asked to call back.
 */
export async function callLeadNow(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  now: number,
): Promise<Id<"calls"> | null> {
  try {
    return await scheduleAttempt(ctx, agency, opportunity, now, { priority: true, pumpWith: grantDial });
  } catch (e) {
    if (!(e instanceof ConvexError)) throw e;
    await openTask(ctx, {
      agencyId: agency._id,
      opportunityId: opportunity._id,
      type: "call_back",
      reason: `a new lead asked to be called at once and no call could be scheduled: ${String(e.data)}`,
    });
    logEvent("lead.call_refused", { opportunityId: opportunity._id, agencyId: agency._id });
    return null;
  }
}

/** How long a retried POST with the same Idempotency-Key gets the first answer. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Each stored answer removes up to two expired ones of its key, so the table holds about a day of requests. */
async function forgetExpiredAnswers(ctx: MutationCtx, keyId: Id<"apiKeys">, now: number): Promise<void> {
  const expired = await ctx.db
    .query("leadRequests")
    .withIndex("by_key_and_created", (q) => q.eq("keyId", keyId).lt("createdAt", now - IDEMPOTENCY_TTL_MS))
    .take(2);
  for (const row of expired) await ctx.db.delete("leadRequests", row._id);
}

/**
 * Answers one POST /api/leads. Nothing is written for an unknown or revoked key; a known
 * key's request counts against its limit whatever its body. The same phone for the agency
 * is the same prospect (200, no second dial); a reused Idempotency-Key gets the first answer.
 */
export async function receiveLead(ctx: MutationCtx, req: LeadRequest): Promise<LeadAnswer> {
  const found = await findKey(ctx, req.keyPrefix, req.keyHash);
  if ("refused" in found) return { status: 401, reason: found.refused };
  const key = found.key;
  const agency = await ctx.db.get("agencies", key.agencyId);
  if (!agency) return { status: 401, reason: "unknown" };
  const now = Date.now();
  const slot = takeRateSlot(key, now, ratePerMinute());
  if (!slot.allowed) return { status: 429, retryAfterSeconds: slot.retryAfterSeconds, keyId: key._id };
  await ctx.db.patch("apiKeys", key._id, { windowStart: slot.windowStart, windowCount: slot.windowCount, lastUsedAt: now });

  if (!req.lead) return { status: 400, errors: req.errors, keyId: key._id };
  if (req.idempotencyKey !== undefined) {
    const stored = await ctx.db
      .query("leadRequests")
      .withIndex("by_key_and_idempotency_key", (q) => q.eq("keyId", key._id).eq("idempotencyKey", req.idempotencyKey!))
      .unique();
    const earlier = stored && now - stored.createdAt < IDEMPOTENCY_TTL_MS ? stored : null;
    if (stored && !earlier) await ctx.db.delete("leadRequests", stored._id);
    if (earlier && earlier.bodyHash !== req.bodyHash) {
      return { status: 422, errors: [{ field: "Idempotency-Key", reason: "was already used with a different body" }], keyId: key._id };
    }
    if (earlier) {
      logEvent("lead.replayed", { keyId: key._id, opportunityId: earlier.opportunityId });
      return { status: earlier.status === 201 ? 201 : 200, opportunityId: earlier.opportunityId, callId: earlier.callId, keyId: key._id };
    }
  }

  const { callNow, ...prospect } = req.lead;
  const existing = await prospectByPhone(ctx, agency._id, prospect.phone);
  let answer: LeadAnswer;
  if (existing) {
    answer = { status: 200, opportunityId: existing._id, keyId: key._id };
  } else {
    const opportunityId = await insertProspect(ctx, agency, prospect, { source: "api" });
    const opportunity = (await ctx.db.get("opportunities", opportunityId))!;
    const callId = (callNow ?? agency.callNewLeadsAtOnce ?? false) ? await callLeadNow(ctx, agency, opportunity, now) : null;
    answer = { status: 201, opportunityId, ...(callId ? { callId } : {}), keyId: key._id };
  }
  if (req.idempotencyKey !== undefined) {
    await forgetExpiredAnswers(ctx, key._id, now);
    await ctx.db.insert("leadRequests", {
      keyId: key._id,
      idempotencyKey: req.idempotencyKey,
      bodyHash: req.bodyHash,
      status: answer.status,
      opportunityId: answer.opportunityId,
      callId: answer.callId,
      createdAt: now,
    });
  }
  return answer;
}

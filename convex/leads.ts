import { v } from "convex/values";
import { httpAction } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import { keyPrefix, sha256Hex } from "./model/apiKeys";
import { receiveLead, type LeadAnswer } from "./model/leads";
import { leadInput, readWith, type FieldError } from "./model/prospects";
import { logEvent } from "./model/log";

/** Bodies larger than this are refused (413) before they are read further. */
export const MAX_LEAD_BODY_BYTES = 64 * 1024;
const MAX_IDEMPOTENCY_KEY_CHARS = 255;
const MAX_ERRORS = 20;

const fieldError = v.object({ field: v.string(), reason: v.string() });

/** The lead request as the edge read it: the key's prefix and hash, never the key. */
export const receive = internalMutation({
  args: {
    keyPrefix: v.string(),
    keyHash: v.string(),
    bodyHash: v.string(),
    idempotencyKey: v.optional(v.string()),
    lead: v.union(
      v.null(),
      v.object({
        name: v.string(),
        phone: v.string(),
        email: v.optional(v.string()),
        timeZone: v.optional(v.string()),
        source: v.optional(v.string()),
        callNow: v.optional(v.boolean()),
      }),
    ),
    errors: v.array(fieldError),
  },
  returns: v.union(
    v.object({
      status: v.union(v.literal(201), v.literal(200)),
      opportunityId: v.id("opportunities"),
      callId: v.optional(v.id("calls")),
      keyId: v.id("apiKeys"),
    }),
    v.object({ status: v.union(v.literal(400), v.literal(422)), errors: v.array(fieldError), keyId: v.id("apiKeys") }),
    v.object({ status: v.literal(401), reason: v.union(v.literal("unknown"), v.literal("revoked")) }),
    v.object({ status: v.literal(429), retryAfterSeconds: v.number(), keyId: v.id("apiKeys") }),
  ),
  handler: async (ctx, args) => await receiveLead(ctx, args),
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The body as text, or null once it passes `limit` bytes (declared or streamed). */
async function readBounded(request: Request, limit: number): Promise<string | null> {
  if (Number(request.headers.get("content-length") ?? 0) > limit) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

function bearer(request: Request): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return m ? m[1] : null;
}

function unauthorized(reason: string): Response {
  logEvent("lead.request", { status: 401, reason });
  return json(401, { error: "unauthorized" }, { "www-authenticate": "Bearer" });
}

function answerResponse(answer: LeadAnswer): Response {
  switch (answer.status) {
    case 201:
    case 200:
      return json(answer.status, { opportunityId: answer.opportunityId, ...(answer.callId ? { callId: answer.callId } : {}) });
    case 400:
    case 422:
      return json(answer.status, { errors: answer.errors });
    case 401:
      return json(401, { error: "unauthorized" }, { "www-authenticate": "Bearer" });
    case 429:
      return json(429, { error: "rate limit exceeded" }, { "retry-after": String(answer.retryAfterSeconds) });
  }
}

/**
 * POST /api/leads: a CRM posts a lead with `Authorization: Bearer <key>`. The edge refuses
 * what needs no database (size, missing key, shape), then one mutation decides the rest.
 * Every request is logged once with ids, status and reason only.
 */
export const postLead = httpAction(async (ctx, request) => {
  const raw = await readBounded(request, MAX_LEAD_BODY_BYTES);
  if (raw === null) {
    logEvent("lead.request", { status: 413 });
    return json(413, { error: `body is larger than ${MAX_LEAD_BODY_BYTES} bytes` });
  }
  const key = bearer(request);
  if (!key) return unauthorized("missing");
  const prefix = keyPrefix(key);
  if (!prefix) return unauthorized("unknown");

  const errors: FieldError[] = [];
  let lead = null;
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    errors.push({ field: "body", reason: "is not valid JSON" });
  }
  if (errors.length === 0) {
    const read = readWith(leadInput, body);
    if (read.ok) lead = read.value;
    else errors.push(...read.errors);
  }
  const idempotencyKey = request.headers.get("idempotency-key")?.trim() || undefined;
  if (idempotencyKey !== undefined && (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_CHARS || !/^[\x21-\x7e]+$/.test(idempotencyKey))) {
    errors.push({ field: "Idempotency-Key", reason: `must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters` });
    lead = null;
  }
  try {
    const answer = await ctx.runMutation(internal.leads.receive, {
      keyPrefix: prefix,
      keyHash: await sha256Hex(key),
      bodyHash: await sha256Hex(raw),
      idempotencyKey,
      lead,
      errors: errors.slice(0, MAX_ERRORS),
    });
    logEvent("lead.request", {
      status: answer.status,
      keyId: "keyId" in answer ? answer.keyId : null,
      reason: answer.status === 401 ? answer.reason : null,
      opportunityId: "opportunityId" in answer ? answer.opportunityId : null,
      callId: "callId" in answer ? (answer.callId ?? null) : null,
      errors: "errors" in answer ? answer.errors.length : null,
    });
    return answerResponse(answer);
  } catch (e) {
    logEvent("lead.request", { status: 500, error: e instanceof Error ? e.name : "unknown" });
    return json(500, { error: "internal error" });
  }
});

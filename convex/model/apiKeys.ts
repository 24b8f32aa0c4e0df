/**
 * API keys for POST /api/leads. A key is `atlas_<12 hex>_<43 base64url>`: the first part is
 * its visible prefix (stored, shown in lists, used to find the key), the whole key is kept
 * only as its SHA-256, compared in constant time. The per-key rate limit is a fixed
 * one-minute window counted on the key's own row.
 */
import type { MutationCtx } from "../_generated/server";
import type { Doc } from "../_generated/dataModel";

const KEY_PATTERN = /^(atlas_[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export const DEFAULT_RATE_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A new key from the platform's CSPRNG (call it in an action: mutations' randomness is replayable). */
export function newApiKey(): { key: string; prefix: string } {
  const prefix = `atlas_${hex(crypto.getRandomValues(new Uint8Array(6)))}`;
  return { prefix, key: `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}` };
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** The visible prefix of a well-formed key, else null (never stored or looked up). */
export function keyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Equal digests, in time that does not depend on where they differ. */
export function sameDigest(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** The key behind a request's prefix and hash, or why there is none. */
export async function findKey(
  ctx: MutationCtx,
  prefix: string,
  hash: string,
): Promise<{ key: Doc<"apiKeys"> } | { refused: "unknown" | "revoked" }> {
  const candidates = await ctx.db
    .query("apiKeys")
    .withIndex("by_prefix", (q) => q.eq("prefix", prefix))
    .take(4);
  const key = candidates.find((k) => sameDigest(k.hash, hash));
  if (!key) return { refused: "unknown" };
  if (key.revokedAt !== undefined) return { refused: "revoked" };
  return { key };
}

/** The limit per key and minute: LEAD_API_RATE_PER_MINUTE, else 60. */
export function ratePerMinute(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.LEAD_API_RATE_PER_MINUTE);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_RATE_PER_MINUTE;
}

export type RateDecision =
  | { allowed: true; windowStart: number; windowCount: number }
  | { allowed: false; retryAfterSeconds: number };

/** Fixed one-minute windows: the request is the window's nth; past the limit it waits for the next window. */
export function takeRateSlot(key: Pick<Doc<"apiKeys">, "windowStart" | "windowCount">, now: number, limit: number): RateDecision {
  const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
  const used = key.windowStart === windowStart ? (key.windowCount ?? 0) : 0;
  if (used >= limit) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)) };
  return { allowed: true, windowStart, windowCount: used + 1 };
}

import { ConvexError, v } from "convex/values";
import { internalAction, internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { newApiKey, sha256Hex } from "./model/apiKeys";
import { logEvent } from "./model/log";

const MAX_LABEL_CHARS = 100;

/**
 * Staff create an API key for a CRM. The key is returned once and never again: only its
 * SHA-256 and visible prefix are stored. An action, because keys need the platform's
 * CSPRNG (a mutation's randomness is seeded for replay).
 */
export const create = internalAction({
  args: { agencyId: v.id("agencies"), label: v.string() },
  returns: v.object({ keyId: v.id("apiKeys"), key: v.string() }),
  handler: async (ctx, { agencyId, label }): Promise<{ keyId: Id<"apiKeys">; key: string }> => {
    const { key, prefix } = newApiKey();
    const keyId: Id<"apiKeys"> = await ctx.runMutation(internal.apiKeys.store, { agencyId, label, prefix, hash: await sha256Hex(key) });
    return { keyId, key };
  },
});

export const store = internalMutation({
  args: { agencyId: v.id("agencies"), label: v.string(), prefix: v.string(), hash: v.string() },
  returns: v.id("apiKeys"),
  handler: async (ctx, args) => {
    const label = args.label.trim();
    if (!label) throw new ConvexError("label is empty");
    if (label.length > MAX_LABEL_CHARS) throw new ConvexError(`label is longer than ${MAX_LABEL_CHARS} characters`);
    if (!(await ctx.db.get("agencies", args.agencyId))) throw new ConvexError(`agency ${args.agencyId} not found`);
    const keyId = await ctx.db.insert("apiKeys", { ...args, label, createdAt: Date.now() });
    logEvent("api_key.created", { keyId, agencyId: args.agencyId });
    return keyId;
  },
});

/** Staff revoke a key: its next request is refused (401). Revoking twice changes nothing. */
export const revoke = internalMutation({
  args: { keyId: v.id("apiKeys") },
  returns: v.null(),
  handler: async (ctx, { keyId }) => {
    const key = await ctx.db.get("apiKeys", keyId);
    if (!key) throw new ConvexError(`api key ${keyId} not found`);
    if (key.revokedAt === undefined) await ctx.db.patch("apiKeys", keyId, { revokedAt: Date.now() });
    logEvent("api_key.revoked", { keyId, agencyId: key.agencyId });
    return null;
  },
});

/** An agency's keys as staff see them: label, visible prefix, dates; never the hash or the key. */
export const list = internalQuery({
  args: { agencyId: v.id("agencies") },
  returns: v.array(
    v.object({
      keyId: v.id("apiKeys"),
      label: v.string(),
      prefix: v.string(),
      createdAt: v.number(),
      revokedAt: v.optional(v.number()),
      lastUsedAt: v.optional(v.number()),
    }),
  ),
  handler: async (ctx, { agencyId }) => {
    const keys = await ctx.db
      .query("apiKeys")
      .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
      .order("desc")
      .take(100);
    return keys.map((k) => ({
      keyId: k._id,
      label: k.label,
      prefix: k.prefix,
      createdAt: k.createdAt,
      revokedAt: k.revokedAt,
      lastUsedAt: k.lastUsedAt,
    }));
  },
});

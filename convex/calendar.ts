/**
 * The agency's calendars. Here: its own booking system (Cal.com or Calendly) by
 * API key, checked with the provider when saved and stored encrypted; the key is
 * never returned, listed or logged.
 */
import { ConvexError, v } from "convex/values";
import { internalAction } from "./_generated/server";
import { internalMutation } from "./functions";
import { internal } from "./_generated/api";
import { cleanApiKey, verifyApiKey } from "./model/calendarSync/connections";
import { keyedProvider } from "./model/meetings/validators";
import { encryptSecret, SecretError } from "./model/secrets";
import { logEvent } from "./model/log";

const connected = v.object({ provider: keyedProvider, connectedAt: v.number() });

export const connectProvider = internalAction({
  args: { agencyId: v.id("agencies"), provider: keyedProvider, apiKey: v.string() },
  returns: connected,
  handler: async (ctx, { agencyId, provider, apiKey }): Promise<{ provider: "calcom" | "calendly"; connectedAt: number }> => {
    const key = cleanApiKey(apiKey);
    const account = await verifyApiKey(provider, key);
    let sealed: string;
    try {
      sealed = await encryptSecret(key);
    } catch (e) {
      if (e instanceof SecretError) throw new ConvexError(e.message);
      throw e;
    }
    return await ctx.runMutation(internal.calendar.saveProviderConnection, { agencyId, provider, apiKey: sealed, organizationUri: account.organizationUri });
  },
});

/** Stores a checked, encrypted key: one connection per (agency, provider), replaced when connected again. */
export const saveProviderConnection = internalMutation({
  args: { agencyId: v.id("agencies"), provider: keyedProvider, apiKey: v.string(), organizationUri: v.optional(v.string()) },
  returns: connected,
  handler: async (ctx, { agencyId, provider, apiKey, organizationUri }) => {
    if (!(await ctx.db.get("agencies", agencyId))) throw new ConvexError(`agency ${agencyId} not found`);
    const existing = await ctx.db
      .query("bookingConnections")
      .withIndex("by_agency_and_provider", (q) => q.eq("agencyId", agencyId).eq("provider", provider))
      .unique();
    const connectedAt = Date.now();
    const fields = { agencyId, provider, apiKey, organizationUri, connectedAt };
    if (existing) await ctx.db.replace("bookingConnections", existing._id, fields);
    else await ctx.db.insert("bookingConnections", fields);
    logEvent("calendar.provider_connected", { agencyId, provider, replaced: existing !== null });
    return { provider, connectedAt };
  },
});

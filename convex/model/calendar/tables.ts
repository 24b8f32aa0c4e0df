/**
 * The Google Calendar connection's tables, spread into convex/schema.ts. Busy
 * blocks themselves live in `calendarBusy` (schema.ts), read by availability.
 */
import { defineTable } from "convex/server";
import { v, type Infer } from "convex/values";

export const connectionStatus = v.union(v.literal("connected"), v.literal("needs_reauth"), v.literal("error"));
export type ConnectionStatus = Infer<typeof connectionStatus>;

export const calendarTables = {
  /**
   * One per agency. Tokens are model/secrets.ts ciphertext, read only by the
   * mutations that hand them to the action about to use them; no query returns them.
   */
  calendarConnections: defineTable({
    agencyId: v.id("agencies"),
    provider: v.literal("google"),
    calendarId: v.string(),
    /** connected; needs_reauth: the refresh token is dead (no Google request until reconnected); error: last sync failed. */
    status: connectionStatus,
    sealedAccessToken: v.string(),
    sealedRefreshToken: v.string(),
    accessTokenExpiresAt: v.number(),
    /** The connected Google account (its primary calendar's id, an email; never logged). Absent on rows connected before it was stored. */
    accountId: v.optional(v.string()),
    /** Last successful free/busy sync: the busy blocks are this old. */
    lastSyncedAt: v.optional(v.number()),
    /** Why the status is not connected: Google's status and code only. */
    lastError: v.optional(v.string()),
    /** One token refresh at a time: the holder's id and when its lease lapses. */
    refreshLease: v.optional(v.object({ id: v.string(), until: v.number() })),
    connectedAt: v.number(),
  })
    .index("by_agency", ["agencyId"])
    .index("by_status", ["status"]),

  /** OAuth `state` values: random, single-use, 10 minutes; the callback learns the agency only from here. */
  oauthStates: defineTable({
    state: v.string(),
    agencyId: v.id("agencies"),
    provider: v.literal("google"),
    expiresAt: v.number(),
    usedAt: v.optional(v.number()),
  })
    .index("by_state", ["state"])
    .index("by_expires", ["expiresAt"]),
};

import { ConvexError, v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import { callbackAttemptStatus, staffMessageStatus } from "./model/callbacks/tables";
import { checkCallbackSettings } from "./model/callbacks/settings";
import { callbackFunnelFields, readCallbackFunnel } from "./model/callbacks/funnel";
import { listLimit } from "./model/paging";
import { logEvent } from "./model/log";
import { saveTextBackSettings } from "./model/texts/textBack";

// ---- Staff callbacks: the AI calls staff with a caller's message and connects them (issue 12) ----

/**
 * Staff turn callbacks on or off and say whom to call. Every field is checked
 * before anything is written; the row is replaced whole.
 */
export const configure = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    enabled: v.boolean(),
    staffPhone: v.optional(v.string()),
    maxAttempts: v.optional(v.number()),
    retryDelayMinutes: v.optional(v.number()),
    maxCallbacksPerDay: v.optional(v.number()),
  },
  returns: v.id("callbackSettings"),
  handler: async (ctx, { agencyId, ...input }) => {
    if (!(await ctx.db.get("agencies", agencyId))) throw new ConvexError("agencyId names no agency");
    const settings = checkCallbackSettings(input);
    const existing = await ctx.db
      .query("callbackSettings")
      .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
      .unique();
    const row = { agencyId, ...settings, updatedAt: Date.now() };
    const id = existing ? (await ctx.db.replace("callbackSettings", existing._id, row), existing._id) : await ctx.db.insert("callbackSettings", row);
    logEvent("callback.configured", { agencyId, enabled: settings.enabled, maxAttempts: settings.maxAttempts });
    return id;
  },
});

const attemptView = v.object({
  attemptId: v.id("callbackAttempts"),
  attemptNumber: v.number(),
  status: callbackAttemptStatus,
  dueAt: v.number(),
  cost: v.optional(v.number()),
  endedReason: v.optional(v.string()),
  answeredAt: v.optional(v.number()),
  connectedAt: v.optional(v.number()),
});

/** Most staff calls a message can have: the first and MAX_CALLBACK_RETRIES retries. */
const MAX_ATTEMPTS_LISTED = 4;

/** An agency's messages for staff, newest first, each with its staff calls and their outcomes. */
export const list = internalQuery({
  args: { agencyId: v.id("agencies"), limit: v.optional(v.number()) },
  returns: v.array(
    v.object({
      staffMessageId: v.id("staffMessages"),
      createdAt: v.number(),
      opportunityId: v.id("opportunities"),
      callId: v.id("calls"),
      customerName: v.string(),
      customerPhone: v.string(),
      text: v.string(),
      urgent: v.boolean(),
      status: staffMessageStatus,
      reason: v.optional(v.string()),
      connectedAt: v.optional(v.number()),
      attempts: v.array(attemptView),
    }),
  ),
  handler: async (ctx, { agencyId, limit }) => {
    const messages = await ctx.db
      .query("staffMessages")
      .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
      .order("desc")
      .take(listLimit(limit, 50, 200));
    return await Promise.all(
      messages.map(async (m) => {
        const attempts = await ctx.db
          .query("callbackAttempts")
          .withIndex("by_message_and_attempt", (q) => q.eq("staffMessageId", m._id))
          .take(MAX_ATTEMPTS_LISTED);
        return {
          staffMessageId: m._id,
          createdAt: m._creationTime,
          opportunityId: m.opportunityId,
          callId: m.callId,
          customerName: m.customerName,
          customerPhone: m.customerPhone,
          text: m.text,
          urgent: m.urgent,
          status: m.status,
          reason: m.reason,
          connectedAt: m.connectedAt,
          attempts: attempts.map((a) => ({
            attemptId: a._id,
            attemptNumber: a.attemptNumber,
            status: a.status,
            dueAt: a.dueAt,
            cost: a.cost,
            endedReason: a.endedReason,
            answeredAt: a.answeredAt,
            connectedAt: a.connectedAt,
          })),
        };
      }),
    );
  },
});

/**
 * The callback funnel for messages taken in [from, to): taken, connected, and the
 * median minutes from message to connection. Reads at most MAX_FUNNEL_MESSAGES
 * messages (`truncated` says when the range held more).
 */
export const funnel = internalQuery({
  args: { agencyId: v.id("agencies"), from: v.number(), to: v.number() },
  returns: v.object({ ...callbackFunnelFields, truncated: v.boolean() }),
  handler: async (ctx, { agencyId, from, to }) => {
    if (!(from < to)) throw new ConvexError("range is empty: from must be before to");
    return await readCallbackFunnel(ctx.db, agencyId, from, to);
  },
});

// ---- Missed-call text-back and booking confirmations by text (model/texts/) ----

/**
 * Staff turn missed-call text-back on or off: one SMS to a caller whose inbound
 * call never became a conversation, `delaySeconds` (default 30) after it ended;
 * `text` replaces the default wording (the agency's name and, when it has one,
 * its bookingLink); `confirmBookings` (default false) also texts the prospect
 * each booked, rescheduled or cancelled meeting. Refused values name the field;
 * nothing is written then.
 */
export const configureTextBack = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    enabled: v.boolean(),
    delaySeconds: v.optional(v.number()),
    text: v.optional(v.string()),
    confirmBookings: v.optional(v.boolean()),
  },
  returns: v.id("textBackSettings"),
  handler: async (ctx, { agencyId, ...input }) => await saveTextBackSettings(ctx, agencyId, input),
});

/**
 * Staff callbacks (issue 12): a caller's message for the business, the AI's calls
 * to a staff member to read it, and the connection to the caller on "yes".
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const staffMessageStatus = v.union(
  /** Stored only: callbacks off, not configured, or the caller may not be called. */
  v.literal("taken"),
  /** A staff call is scheduled, ringing or live. */
  v.literal("calling"),
  v.literal("connected"),
  /** The staff member heard it and hung up without being connected. */
  v.literal("delivered"),
  v.literal("declined"),
  /** No staff call got it through (or none was allowed): emailed to the agency, a call_back task open. */
  v.literal("fallback"),
);

export const callbackAttemptStatus = v.union(
  v.literal("scheduled"),
  v.literal("dialing"),
  v.literal("no_answer"),
  v.literal("declined"),
  v.literal("delivered"),
  v.literal("connecting"),
  v.literal("connected"),
  v.literal("connect_failed"),
  v.literal("failed"),
);

export const callbackTables = {
  /** One row per agency: callbacks.configure writes it whole. */
  callbackSettings: defineTable({
    agencyId: v.id("agencies"),
    enabled: v.boolean(),
    /** E.164 */
    staffPhone: v.string(),
    /** Retries after the first staff call (0-3). */
    maxAttempts: v.number(),
    retryDelayMinutes: v.number(),
    maxCallbacksPerDay: v.number(),
    updatedAt: v.number(),
  }).index("by_agency", ["agencyId"]),

  /** What a caller wants the business to know; at most one per call. */
  staffMessages: defineTable({
    agencyId: v.id("agencies"),
    opportunityId: v.id("opportunities"),
    callId: v.id("calls"),
    /** The caller's words as the analysis summed them up, or who asked for a call back on which number. */
    text: v.string(),
    urgent: v.boolean(),
    status: staffMessageStatus,
    source: v.union(v.literal("caller_message"), v.literal("call_back_request")),
    customerName: v.string(),
    /** E.164: the number the staff member is connected to. */
    customerPhone: v.string(),
    /** Why no staff call was placed (status "taken") or why the fallback went out. */
    reason: v.optional(v.string()),
    connectedAt: v.optional(v.number()),
    fallbackAt: v.optional(v.number()),
    updatedAt: v.number(),
  })
    .index("by_call", ["callId"])
    .index("by_agency", ["agencyId"]),

  /** One staff call per row, placed exactly once (staffCalls.placeStaffCall) when the pacing gate gives it a line. */
  callbackAttempts: defineTable({
    agencyId: v.id("agencies"),
    staffMessageId: v.id("staffMessages"),
    /** 1 for the first staff call of a message, then one more per retry. */
    attemptNumber: v.number(),
    staffPhone: v.string(),
    customerPhone: v.string(),
    vapiCallId: v.optional(v.string()),
    status: callbackAttemptStatus,
    /** When it may ring (agency windows, staff calling hours). */
    dueAt: v.number(),
    /** The dial job of attempts scheduled before the pacing gate (the gate starts the dial now). */
    dialJobId: v.optional(v.id("_scheduled_functions")),
    /** Times Vapi refused this staff call for concurrency (each requeued it at the gate). */
    concurrencyRefusals: v.optional(v.number()),
    /** The Vapi call id of the last refused dial: its late messages change nothing. */
    refusedVapiCallId: v.optional(v.string()),
    /** Vapi's live-control URL from the create reply (trusted over a webhook's copy). */
    controlUrl: v.optional(v.string()),
    endedReason: v.optional(v.string()),
    /** Vapi's cost of the staff call, USD. */
    cost: v.optional(v.number()),
    durationSeconds: v.optional(v.number()),
    /** When its report's minutes and cost were counted in usageMonths (once). */
    usageRecordedAt: v.optional(v.number()),
    answeredAt: v.optional(v.number()),
    connectingAt: v.optional(v.number()),
    connectedAt: v.optional(v.number()),
    failure: v.optional(v.object({ statusCode: v.optional(v.number()), message: v.string() })),
    updatedAt: v.number(),
  })
    .index("by_vapi_call_id", ["vapiCallId"])
    .index("by_message_and_attempt", ["staffMessageId", "attemptNumber"])
    .index("by_agency_and_status", ["agencyId", "status"]),

  /** The daily cap's counter: staff callbacks started per agency and local date (its zone). */
  callbackDays: defineTable({
    agencyId: v.id("agencies"),
    /** yyyy-MM-dd in the agency's zone. */
    day: v.string(),
    count: v.number(),
  }).index("by_agency_and_day", ["agencyId", "day"]),
};

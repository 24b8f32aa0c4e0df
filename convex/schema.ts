import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { notificationTables } from "./model/notifications/tables";
import { calendarTables } from "./model/calendar/tables";
import { outboxChannel, outboxMessage } from "./model/outbox/messages";
import { outboxStatus } from "./model/outbox/status";
import { legacyDeliveryFields, legacyNotificationDeliveryFields } from "./model/outbox/legacy";
import { timeZoneSource } from "./model/scheduling/prospectZone";
import { PROCESS_NAMES } from "./model/processes";
import { bookingAnalysis } from "./model/analysis/record";
import { taskDetails } from "./model/tasks";
import { callbackTables } from "./model/callbacks/tables";
import { textTables } from "./model/texts/tables";
import { bookingProvider, changeSource, keyedProvider, meetingEventKind, mismatchKind } from "./model/meetings/validators";
import { dialSubject } from "./model/calls/dialGate";
import { campaignCounts, campaignStatus, memberState, skipReason } from "./model/campaigns/counts";

/** Every instant is stored as UTC milliseconds; zones are IANA names. */

export const opportunityStatus = v.union(
  v.literal("New"),
  v.literal("Contacted"),
  v.literal("Booked"),
  v.literal("Rejected"),
);

/** A slot offered on a call, named by a short id ("S1") the model books it by. */
export const offeredSlot = v.object({ id: v.string(), start: v.number() });

export const callDirection = v.union(v.literal("outbound"), v.literal("inbound"));

export const callStatus = v.union(
  v.literal("scheduled"), // waiting for its dial time (calling hours)
  v.literal("queued"),
  v.literal("ringing"),
  v.literal("in-progress"),
  v.literal("forwarding"),
  v.literal("ended"),
  v.literal("failed"), // Vapi refused to create it
  v.literal("cancelled"), // an attempt withdrawn before dialling (opt-out, booking)
);

export const callOutcome = v.union(
  v.literal("booked"),
  v.literal("rejected"),
  v.literal("no_answer"),
  v.literal("busy"),
  v.literal("voicemail"),
  v.literal("failed"),
  v.literal("completed"),
);

export const meetingStatus = v.union(
  v.literal("booked"),
  v.literal("cancelled"),
  v.literal("completed"),
  v.literal("no_show"),
);

export const meetingSource = v.union(
  v.literal("ai_call"),
  v.literal("ai_call_live"),
  v.literal("prospect_link"),
  v.literal("staff"),
  /** Found in the agency's own Cal.com or Calendly by reconciliation (model/calendarSync). */
  v.literal("agency_link"),
);

export const taskType = v.union(
  v.literal("review"),
  v.literal("booking_conflict"),
  v.literal("call_back"),
  v.literal("clarify_time"),
  v.literal("scheduler_link"),
  /** A provider-side cancellation or reschedule to review or re-book (model/meetings/lifecycle.ts). */
  v.literal("meeting_changed"),
);

/** One member per registered booking process (model/processes/index.ts). */
export const bookingProcess = v.union(...PROCESS_NAMES.map((name) => v.literal(name)));

export const analysisStatus = v.union(
  v.literal("scheduled"),
  v.literal("retrying"),
  v.literal("done"),
  v.literal("failed"),
  v.literal("skipped"),
);

const busyInterval = v.object({ start: v.number(), end: v.number() });

/** One line of a call's conversation, as stored and as analysed. */
export const transcriptMessage = v.object({
  role: v.union(v.literal("assistant"), v.literal("user"), v.literal("tool")),
  text: v.string(),
  secondsFromStart: v.optional(v.number()),
});

/** How a call ended, as its end-of-call report (or Vapi's call object) tells it. */
export const callReportFields = {
  endedReason: v.optional(v.string()),
  startedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  durationSeconds: v.optional(v.number()),
  cost: v.optional(v.number()),
  recordingUrl: v.optional(v.string()),
  stereoRecordingUrl: v.optional(v.string()),
};

/** What calls add to the funnel (model/calls/funnel.ts FunnelTally). */
export const funnelTallyFields = {
  placed: v.number(),
  connected: v.number(),
  booked: v.number(),
  rejected: v.number(),
  noAnswer: v.number(),
  costMicros: v.number(),
};

export default defineSchema({
  agencies: defineTable({
    name: v.string(),
    timeZone: v.string(),
    /** Weekly windows in agency local time, as entered: "Tue 10:00-12:00". */
    availability: v.array(v.string()),
    email: v.optional(v.string()),
    slotIntervalMinutes: v.number(),
    meetingDurationMinutes: v.number(),
    bufferMinutes: v.number(),
    minNoticeMinutes: v.number(),
    horizonDays: v.number(),
    inboundPhoneNumber: v.optional(v.string()),
    /** E.164 number the agency's texts come from (texts.configureSms); absent: inboundPhoneNumber. */
    smsFromNumber: v.optional(v.string()),
    maxAttempts: v.optional(v.number()),
    retryDelayMinutes: v.optional(v.number()),
    bookingProcess: v.optional(bookingProcess),
    bookingLink: v.optional(v.string()),
    qualificationQuestions: v.optional(v.array(v.string())),
    /** What one booked meeting is worth, in the agency's currency: the funnel's pipeline value and ROI. */
    meetingValue: v.optional(v.number()),
    /** Leads posted to POST /api/leads are dialled at once unless the request says callNow: false. */
    callNewLeadsAtOnce: v.optional(v.boolean()),
  }).index("by_inbound_number", ["inboundPhoneNumber"]),

  opportunities: defineTable({
    agencyId: v.id("agencies"),
    name: v.string(),
    /** E.164 */
    phone: v.string(),
    email: v.optional(v.string()),
    /** The IANA zone the prospect hears times in; absent on old rows (inferred from the phone when read). */
    timeZone: v.optional(v.string()),
    timeZoneSource: v.optional(timeZoneSource),
    /** Every zone the number could ring in, when more than one (bounded by MAX_POSSIBLE_ZONES): calling hours hold in all. */
    possibleTimeZones: v.optional(v.array(v.string())),
    status: opportunityStatus,
    source: v.optional(v.union(v.literal("manual"), v.literal("inbound"), v.literal("api"), v.literal("import"))),
    /** Where the CRM says the lead came from ("facebook-ads"), as posted or imported. */
    leadSource: v.optional(v.string()),
    doNotCall: v.optional(v.boolean()),
    optedOutAt: v.optional(v.number()),
    meetingTime: v.optional(v.number()),
    bookingProcess: v.optional(bookingProcess),
    schedulerLink: v.optional(v.string()),
    qualificationAnswers: v.optional(v.array(v.object({ question: v.string(), answer: v.string() }))),
    callbackPhone: v.optional(v.string()),
  })
    .index("by_agency_and_phone", ["agencyId", "phone"])
    .index("by_agency_and_status", ["agencyId", "status"]),

  calls: defineTable({
    agencyId: v.id("agencies"),
    opportunityId: v.id("opportunities"),
    direction: callDirection,
    status: callStatus,
    /** 1 for the first outbound attempt of an opportunity, then 2, 3... */
    attempt: v.number(),
    /** When the dial is (or was) due: the next moment inside calling hours. */
    dialAt: v.number(),
    vapiCallId: v.optional(v.string()),
    /** The booking process the call ran with (the opportunity's override, else the agency's). */
    bookingProcess: v.optional(bookingProcess),
    offeredSlotsISO: v.array(v.string()),
    /** Every slot offered on the call, by short id: the prompt's, then check_availability's. */
    offeredSlots: v.optional(v.array(offeredSlot)),
    /** @deprecated never read; unset by migrations.migrateCalls. */
    agencyAvailabilityWindows: v.optional(v.array(v.string())),
    /** @deprecated never read; unset by migrations.migrateCalls. */
    futureMeetings: v.optional(v.array(busyInterval)),
    /** @deprecated moved to callOffers by migrations.migrateCalls; read only as a fallback until then. */
    promptContext: v.optional(v.string()),
    outcome: v.optional(callOutcome),
    ...callReportFields,
    failure: v.optional(v.object({ statusCode: v.optional(v.number()), message: v.string() })),
    messageCount: v.optional(v.number()),
    /** Messages the caller said, from the report: a call with none was never a conversation (model/texts/missedCall.ts). */
    callerTurns: v.optional(v.number()),
    /** Set once by the first end-of-call report (webhook or reconciler). */
    reportReceivedAt: v.optional(v.number()),
    analysisStatus: v.optional(analysisStatus),
    analysisAttempts: v.optional(v.number()),
    bookingAnalysis: v.optional(bookingAnalysis),
    meetingId: v.optional(v.id("meetings")),
    meetingTime: v.optional(v.number()),
    /** A lead dialled the moment it arrived (POST /api/leads): it goes ahead of other waiting dials. */
    speedToLead: v.optional(v.boolean()),
    /** The scheduled dial, so an opt-out or booking can cancel it. */
    dialJobId: v.optional(v.id("_scheduled_functions")),
    /** The next attempt scheduled when this one went unanswered: at most one per call. */
    retryCallId: v.optional(v.id("calls")),
    /** Reconciler checks that failed (Vapi errors) since the call became overdue. */
    reconcileFailures: v.optional(v.number()),
    /** The campaign member this attempt dials for (model/campaigns): its state follows the call. */
    campaignMemberId: v.optional(v.id("campaignMembers")),
    /** Vapi refused this many dials of the call for concurrency; each went back to the pacing queue. */
    concurrencyRefusals: v.optional(v.number()),
    /** The Vapi call that was refused for concurrency: its late messages are ignored. */
    refusedVapiCallId: v.optional(v.string()),
    updatedAt: v.number(),
  })
    .index("by_vapi_call_id", ["vapiCallId"])
    .index("by_opportunity", ["opportunityId"])
    // Both kept: lists sort by creation, the funnel ranges over dial time (a retry is created hours before it dials).
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_agency", ["agencyId"])
    .index("by_agency_and_dial", ["agencyId", "dialAt"])
    .index("by_status_and_updated", ["status", "updatedAt"])
    .index("by_analysis_status_and_updated", ["analysisStatus", "updatedAt"])
    // Ended calls still waiting for their report, without reading every ended call.
    .index("by_status_report_and_updated", ["status", "reportReceivedAt", "updatedAt"]),

  /**
   * The pacing gate's queue (model/calls/dialGate.ts): dials waiting for a line. Lane 0 (speed to
   * lead) goes before lane 1; within a lane, the earliest due first.
   */
  dialQueue: defineTable({
    subject: dialSubject,
    /** The subject's id: one queue row per subject. */
    holder: v.string(),
    lane: v.number(),
    /** The dial may start from this instant (calling hours, refusal backoff). */
    dueAt: v.number(),
  })
    .index("by_lane_and_due", ["lane", "dueAt"])
    .index("by_holder", ["holder"]),

  /** The pacing gate's line ledger: one row per outbound Vapi call that holds a line, until it ends. */
  dialLines: defineTable({
    /** The call holding the line. */
    holder: v.string(),
    subject: dialSubject,
    lane: v.number(),
    heldSince: v.number(),
  })
    .index("by_holder", ["holder"])
    .index("by_held_since", ["heldSince"]),

  /** The gate's single wake-up: the pump scheduled for the next waiting dial's due time. */
  dialGateWake: defineTable({
    wakeAt: v.optional(v.number()),
    wakeJobId: v.optional(v.id("_scheduled_functions")),
  }),

  campaigns: defineTable({
    agencyId: v.id("agencies"),
    name: v.string(),
    status: campaignStatus,
    /** Members per state, kept with every member change (model/campaigns/members.ts). */
    counts: campaignCounts,
    createdAt: v.number(),
    startedAt: v.optional(v.number()),
    pausedAt: v.optional(v.number()),
  }).index("by_agency", ["agencyId"]),

  campaignMembers: defineTable({
    campaignId: v.id("campaigns"),
    opportunityId: v.id("opportunities"),
    state: memberState,
    /** The member's current attempt (a retry takes over from the attempt before). */
    callId: v.optional(v.id("calls")),
    skipReason: v.optional(skipReason),
  })
    .index("by_campaign_and_state", ["campaignId", "state"])
    .index("by_campaign_and_opportunity", ["campaignId", "opportunityId"]),

  /** The prompt section a call's assistant receives (slots, now, rules), kept out of `calls` so call reads stay small. No transcript. */
  callOffers: defineTable({
    callId: v.id("calls"),
    promptContext: v.string(),
  }).index("by_call", ["callId"]),

  /**
   * The funnel's counters (model/calls/funnel.ts): per agency, a tree of nodes over
   * dial time, each with the tallies of its non-empty child slots.
   */
  funnelNodes: defineTable({
    agencyId: v.id("agencies"),
    level: v.number(),
    start: v.number(),
    children: v.array(v.object({ slot: v.number(), ...funnelTallyFields })),
  }).index("by_agency_level_and_start", ["agencyId", "level", "start"]),

  /** What each placed call adds to funnelNodes now: a call's next change replaces it exactly once. */
  funnelEntries: defineTable({
    callId: v.id("calls"),
    agencyId: v.id("agencies"),
    dialAt: v.number(),
    ...funnelTallyFields,
  }).index("by_call", ["callId"]),

  /** Progress of a resumable data migration (convex/migrations.ts). */
  migrationRuns: defineTable({
    name: v.string(),
    /** Where the next batch starts; null before the first. */
    cursor: v.union(v.string(), v.null()),
    done: v.boolean(),
    processed: v.number(),
    updatedAt: v.number(),
  }).index("by_name", ["name"]),

  /** One row per transcript message: long calls never grow one document. */
  callMessages: defineTable({
    callId: v.id("calls"),
    seq: v.number(),
    role: v.string(),
    text: v.string(),
    secondsFromStart: v.optional(v.number()),
  }).index("by_call_and_seq", ["callId", "seq"]),

  meetings: defineTable({
    agencyId: v.id("agencies"),
    opportunityId: v.id("opportunities"),
    callId: v.optional(v.id("calls")),
    meetingTime: v.number(),
    durationMinutes: v.number(),
    source: meetingSource,
    status: meetingStatus,
    /** iCalendar SEQUENCE: raised on every reschedule or cancellation. */
    sequence: v.number(),
    providerBookingId: v.optional(v.string()),
    /** The provider's own booking status (Cal.com: "accepted", or "PENDING" until the host confirms). */
    providerStatus: v.optional(v.string()),
    cancelledAt: v.optional(v.number()),
    /** Staff's note on a cancellation; never emailed or logged. */
    cancellationReason: v.optional(v.string()),
    /** When the current sequence was issued (reschedule or cancel): the invite's DTSTAMP. */
    revisedAt: v.optional(v.number()),
    /** The event in the agency's connected Google Calendar, once created (derived from the meeting id). */
    googleEventId: v.optional(v.string()),
    /** The Google account (calendarConnections.accountId) whose calendar googleEventId was written to. */
    googleAccountId: v.optional(v.string()),
    /** The system holding providerBookingId (prospect_link: the prospect's Cal.com; agency_link: the agency's). */
    bookingProvider: v.optional(bookingProvider),
    /** When a provider first confirmed the booking (its "verified" meetingEvents row). */
    verifiedAt: v.optional(v.number()),
    /** meetingEvents holds this meeting's booking: set when it is booked, or by the backfill for older meetings. */
    inHistory: v.optional(v.literal(true)),
    /** The outcome meetingOutcomeNodes count for this meeting: a status change moves it exactly once. */
    countedOutcome: v.optional(v.union(v.literal("completed"), v.literal("no_show"))),
  })
    .index("by_agency_and_time", ["agencyId", "meetingTime"])
    .index("by_agency_status_and_time", ["agencyId", "status", "meetingTime"])
    .index("by_call", ["callId"])
    .index("by_opportunity", ["opportunityId"]),

  tasks: defineTable({
    agencyId: v.id("agencies"),
    opportunityId: v.id("opportunities"),
    callId: v.optional(v.id("calls")),
    type: taskType,
    status: v.union(v.literal("open"), v.literal("done")),
    reason: v.string(),
    details: v.optional(taskDetails),
    /** When staff completed it, with their note (never logged). */
    completedAt: v.optional(v.number()),
    note: v.optional(v.string()),
  })
    .index("by_opportunity_and_type", ["opportunityId", "type"])
    .index("by_agency_and_status", ["agencyId", "status"])
    .index("by_agency_type_and_status", ["agencyId", "type", "status"])
    .index("by_call", ["callId"]),

  /**
   * Staff alerts that Groq does not serve the configured model, one per (model, UTC day):
   * every analysis fails until GROQ_MODEL changes, and a thousand failures alert once.
   */
  modelAlerts: defineTable({
    model: v.string(),
    /** UTC date, yyyy-MM-dd. */
    day: v.string(),
    /** Groq's status and code, e.g. "Groq HTTP 404 model_not_found". */
    error: v.string(),
    callId: v.id("calls"),
    createdAt: v.number(),
  }).index("by_model_and_day", ["model", "day"]),

  /**
   * Exactly-once claims for bookings posted on a prospect's own scheduler link: written
   * before the POST, so a second run for the same opportunity and link never posts again.
   */
  schedulerBookings: defineTable({
    agencyId: v.id("agencies"),
    opportunityId: v.id("opportunities"),
    callId: v.optional(v.id("calls")),
    link: v.string(),
    slotStart: v.number(),
    /** pending: POST under way or its outcome unknown; conflict: provider booked, bookSlot refused. */
    status: v.union(v.literal("pending"), v.literal("booked"), v.literal("failed"), v.literal("conflict")),
    providerBookingId: v.optional(v.string()),
    providerStatus: v.optional(v.string()),
    meetingId: v.optional(v.id("meetings")),
    failure: v.optional(v.object({ statusCode: v.optional(v.number()), message: v.string() })),
  }).index("by_opportunity_and_link", ["opportunityId", "link"]),

  /**
   * Exactly-once ledger for live tool calls: the first answer to a Vapi tool call id,
   * written in the same mutation as any booking it made, so a replay repeats it.
   */
  toolCalls: defineTable({
    toolCallId: v.string(),
    callId: v.optional(v.id("calls")),
    name: v.string(),
    result: v.optional(v.string()),
    error: v.optional(v.string()),
    meetingId: v.optional(v.id("meetings")),
    /** A staff callback call's tool (connect_to_customer): its calls are not in `calls`. */
    callbackAttemptId: v.optional(v.id("callbackAttempts")),
  }).index("by_tool_call_id_and_call", ["toolCallId", "callId"]),

  /**
   * The outbox: every outbound message (invites, prospect emails, staff
   * notifications realtime and digest), one row each, exactly once per key,
   * through one status machine (model/outbox/status.ts).
   */
  outbox: defineTable({
    /** Names the message for ever; also the provider's idempotency key. */
    key: v.string(),
    agencyId: v.id("agencies"),
    channel: outboxChannel,
    /** What it is; the claim builds its content from this when it is sent. */
    message: outboxMessage,
    status: outboxStatus,
    attempts: v.number(),
    lastError: v.optional(v.string()),
    providerMessageId: v.optional(v.string()),
    sentAt: v.optional(v.number()),
    createdAt: v.number(),
    /** While pending or sending: when the sweep takes it over if no attempt has settled it by then. */
    checkAt: v.optional(v.number()),
  })
    .index("by_key", ["key"])
    .index("by_status_and_check", ["status", "checkAt"])
    .index("by_agency_kind_and_created", ["agencyId", "message.kind", "createdAt"])
    .index("by_agency_kind_status_and_created", ["agencyId", "message.kind", "status", "createdAt"]),

  /**
   * Busy times from the agency's connected calendar (not Atlas's own meetings), for the agency's horizon:
   * they block slots exactly as booked meetings do. Replaced wholesale by each successful sync.
   */
  calendarBusy: defineTable({
    agencyId: v.id("agencies"),
    start: v.number(),
    end: v.number(),
    source: v.literal("google"),
  }).index("by_agency_and_end", ["agencyId", "end"]),

  /**
   * API keys a CRM posts leads with (POST /api/leads): only the SHA-256 of the key and its short
   * visible prefix are kept; the key itself is shown once, when created. The fixed rate-limit
   * window (model/apiKeys.ts) lives on the key: every request of a key is ordered by it anyway.
   */
  apiKeys: defineTable({
    agencyId: v.id("agencies"),
    label: v.string(),
    /** The visible part ("atlas_3f9c0a1b2d4e"): how staff recognise a key and how a request finds it. */
    prefix: v.string(),
    /** SHA-256 of the whole key, hex. */
    hash: v.string(),
    createdAt: v.number(),
    revokedAt: v.optional(v.number()),
    lastUsedAt: v.optional(v.number()),
    windowStart: v.optional(v.number()),
    windowCount: v.optional(v.number()),
  })
    .index("by_prefix", ["prefix"])
    .index("by_agency", ["agencyId"]),

  /** A lead request's answer by its Idempotency-Key, per API key, for 24 hours: a retried POST gets the first answer. */
  leadRequests: defineTable({
    keyId: v.id("apiKeys"),
    idempotencyKey: v.string(),
    /** SHA-256 of the body: the same key with another body is refused, not replayed. */
    bodyHash: v.string(),
    status: v.number(),
    opportunityId: v.id("opportunities"),
    callId: v.optional(v.id("calls")),
    createdAt: v.number(),
  })
    .index("by_key_and_idempotency_key", ["keyId", "idempotencyKey"])
    .index("by_key_and_created", ["keyId", "createdAt"]),

  /** Usage for billing, one row per agency and UTC month, raised in the mutations that book, end calls or send texts. */
  usageMonths: defineTable({
    agencyId: v.id("agencies"),
    /** UTC calendar month, "YYYY-MM". */
    month: v.string(),
    bookedMeetings: v.number(),
    /** Seconds of Vapi calls that connected (both directions). */
    connectedSeconds: v.number(),
    /** Each connected call rounded up to whole minutes, as per-minute billing counts them. */
    billedMinutes: v.number(),
    /** Vapi's cost of those calls, in whole micro-dollars (sums never drift). */
    callCostMicros: v.number(),
    texts: v.number(),
  }).index("by_agency_and_month", ["agencyId", "month"]),
  /** Every change of a meeting, one row each (model/meetings/lifecycle.ts). */
  meetingEvents: defineTable({
    meetingId: v.id("meetings"),
    agencyId: v.id("agencies"),
    at: v.number(),
    kind: meetingEventKind,
    /** rescheduled: the old and new start (UTC ms); status changes: the old and new status. */
    from: v.optional(v.union(v.number(), v.string())),
    to: v.optional(v.union(v.number(), v.string())),
    source: changeSource,
  }).index("by_meeting_and_at", ["meetingId", "at"]),

  /**
   * The funnel's meeting outcomes: the same tree as funnelNodes (model/calls/funnel.ts),
   * over meeting time, counting completed and no-show meetings.
   */
  meetingOutcomeNodes: defineTable({
    agencyId: v.id("agencies"),
    level: v.number(),
    start: v.number(),
    children: v.array(v.object({ slot: v.number(), completed: v.number(), noShow: v.number() })),
  }).index("by_agency_level_and_start", ["agencyId", "level", "start"]),

  /** What reconciliation found that disagreed with Atlas (model/meetings/mismatches.ts); no contact details. */
  meetingMismatches: defineTable({
    agencyId: v.id("agencies"),
    opportunityId: v.id("opportunities"),
    meetingId: v.optional(v.id("meetings")),
    kind: mismatchKind,
    detectedAt: v.number(),
    resolved: v.boolean(),
    resolvedAt: v.optional(v.number()),
    details: v.string(),
  })
    .index("by_agency_and_detected", ["agencyId", "detectedAt"])
    .index("by_opportunity_kind_and_resolved", ["opportunityId", "kind", "resolved"]),

  /** The agency's own booking system, by API key (convex/calendar.ts connectProvider); the key only encrypted. */
  bookingConnections: defineTable({
    agencyId: v.id("agencies"),
    provider: keyedProvider,
    /** secrets.ts ciphertext: decrypted only in the action that calls the provider. */
    apiKey: v.string(),
    /** Calendly: the organisation scheduled_events are listed in (from /users/me). */
    organizationUri: v.optional(v.string()),
    connectedAt: v.number(),
  }).index("by_agency_and_provider", ["agencyId", "provider"]),

  /** Reconciliation's watermark per agency (model/calendarSync/page.ts). */
  calendarSyncState: defineTable({
    agencyId: v.id("agencies"),
    /** The last meeting processed, by (meetingTime, _creationTime); absent: start at the scope's beginning. */
    afterTime: v.optional(v.number()),
    afterCreation: v.optional(v.number()),
    /** The opportunity lookups' place in by_agency_and_status (a paginate cursor per status). */
    lookupStatus: v.optional(v.union(v.literal("New"), v.literal("Contacted"))),
    lookupCursor: v.optional(v.string()),
    /** Consecutive rate-limited pages; the next waits per RECONCILE_RETRY. */
    rateLimited: v.number(),
    retryAt: v.optional(v.number()),
    updatedAt: v.number(),
  }).index("by_agency", ["agencyId"]),

  /** Progress of calendarSync.backfill per agency. */
  backfillRuns: defineTable({
    agencyId: v.id("agencies"),
    cursor: v.union(v.string(), v.null()),
    processed: v.number(),
    status: v.union(v.literal("running"), v.literal("done")),
    updatedAt: v.number(),
  }).index("by_agency", ["agencyId"]),

  /** Replaced by `outbox`: kept valid until migrations.migrateOutbox has moved every row (model/outbox/legacy.ts). */
  deliveries: defineTable(legacyDeliveryFields).index("by_key", ["key"]),

  ...notificationTables,

  ...calendarTables,
  ...callbackTables,
  ...textTables,

  /** Replaced by `outbox`: kept valid until migrations.migrateOutbox has moved every row (model/outbox/legacy.ts). */
  notificationDeliveries: defineTable(legacyNotificationDeliveryFields),
});

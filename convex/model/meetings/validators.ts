/**
 * The meeting lifecycle's stored shapes, declared once: the schema and the
 * functions that take or return them use these.
 */
import { v, type Infer } from "convex/values";

/** Who made a change: the AI on a call, staff, the provider holding the booking, or reconciliation's own rule. */
export const changeSource = v.union(v.literal("ai"), v.literal("staff"), v.literal("provider"), v.literal("reconcile"));
export type ChangeSource = Infer<typeof changeSource>;

export const meetingEventKind = v.union(
  v.literal("booked"),
  v.literal("rescheduled"),
  v.literal("cancelled"),
  v.literal("completed"),
  v.literal("no_show"),
  v.literal("verified"),
  v.literal("mismatch"),
);
export type MeetingEventKind = Infer<typeof meetingEventKind>;

/** The booking systems an agency connects with a key (Google is connected by OAuth: convex/calendar.ts). */
export const keyedProvider = v.union(v.literal("calcom"), v.literal("calendly"));
export type KeyedProvider = Infer<typeof keyedProvider>;

/** Where a meeting's provider booking lives, when it has one. */
export const bookingProvider = v.union(v.literal("calcom"), v.literal("calendly"), v.literal("google"));
export type BookingProvider = Infer<typeof bookingProvider>;

export const mismatchKind = v.union(
  v.literal("ai_booked_without_provider_event"),
  v.literal("provider_booking_not_recorded"),
  v.literal("cancelled_at_provider_still_booked"),
  v.literal("unverifiable"),
);
export type MismatchKind = Infer<typeof mismatchKind>;

/** One row of the mismatch report: ids and a short reason, never contact details. */
export const mismatchRow = v.object({
  kind: mismatchKind,
  opportunityId: v.id("opportunities"),
  meetingId: v.optional(v.id("meetings")),
  detectedAt: v.number(),
  resolved: v.boolean(),
  details: v.string(),
});

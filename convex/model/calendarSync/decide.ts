/**
 * What a provider's answer means for a meeting: pure, the same for every
 * provider entry. Provider evidence wins (cancelled, moved, no-show); a meeting
 * that ended more than 24 hours ago with no no-show signal is taken as held.
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "../../_generated/dataModel";
import { AUTO_COMPLETE_AFTER_MS, meetingEnd, type MeetingChange } from "../meetings/lifecycle";
import type { ChangeSource, MismatchKind } from "../meetings/validators";
import type { ProviderBooking } from "./providers";

export const providerBooking = v.object({
  id: v.string(),
  start: v.number(),
  status: v.union(v.literal("active"), v.literal("cancelled")),
  rescheduledTo: v.optional(v.object({ id: v.string(), start: v.number() })),
  prospectNoShow: v.boolean(),
});

/** What reconciliation learned about one meeting this page. */
export const observation = v.union(
  v.object({ kind: v.literal("found"), booking: providerBooking }),
  /** The provider has no such booking (by id), or none for the prospect at the meeting's time (by email); `details` says why when known. */
  v.object({ kind: v.literal("missing"), details: v.optional(v.string()) }),
  /** The provider refused for good (no access, bad key): the meeting cannot be verified. */
  v.object({ kind: v.literal("failed"), statusCode: v.optional(v.number()), message: v.string() }),
  /** No provider holds this meeting. */
  v.object({ kind: v.literal("unchecked") }),
);
export type Observation = Infer<typeof observation>;

export interface Verdict {
  change: { change: MeetingChange; source: ChangeSource } | null;
  verified: boolean;
  mismatch?: { kind: MismatchKind; details: string; resolved: boolean };
  /** Open mismatches this answer settles. */
  resolves: MismatchKind[];
}

type Meeting = Pick<Doc<"meetings">, "status" | "meetingTime" | "durationMinutes" | "providerBookingId">;

function autoComplete(meeting: Meeting, now: number): Verdict["change"] {
  if (meeting.status !== "booked" || now - meetingEnd(meeting) <= AUTO_COMPLETE_AFTER_MS) return null;
  return { change: { kind: "completed" }, source: "reconcile" };
}

export function decide(meeting: Meeting, obs: Observation, now: number): Verdict {
  const booked = meeting.status === "booked";
  if (obs.kind === "found") {
    const b = obs.booking;
    if (b.status === "cancelled") {
      if (!booked) return { change: null, verified: false, resolves: [] };
      if (b.rescheduledTo) {
        return {
          change: { change: { kind: "rescheduled", to: b.rescheduledTo.start, providerBookingId: b.rescheduledTo.id }, source: "provider" },
          verified: true,
          resolves: ["unverifiable", "ai_booked_without_provider_event"],
        };
      }
      return {
        change: { change: { kind: "cancelled" }, source: "provider" },
        verified: false,
        mismatch: { kind: "cancelled_at_provider_still_booked", details: `booking ${b.id} is cancelled at the provider`, resolved: true },
        resolves: ["unverifiable", "ai_booked_without_provider_event"],
      };
    }
    const resolves: MismatchKind[] = ["unverifiable", "ai_booked_without_provider_event"];
    if (booked && b.start !== meeting.meetingTime) {
      return { change: { change: { kind: "rescheduled", to: b.start }, source: "provider" }, verified: true, resolves };
    }
    if (b.prospectNoShow && meetingEnd(meeting) <= now) {
      return { change: { change: { kind: "no_show" }, source: "provider" }, verified: true, resolves };
    }
    return { change: autoComplete(meeting, now), verified: true, resolves };
  }
  const change = autoComplete(meeting, now);
  if (obs.kind === "missing" && booked) {
    const mismatch = meeting.providerBookingId
      ? { kind: "unverifiable" as const, details: `booking ${meeting.providerBookingId} not found at the provider`, resolved: false }
      : {
          kind: "ai_booked_without_provider_event" as const,
          details: obs.details ?? "no booking for the prospect at this time in the agency's calendar",
          resolved: false,
        };
    return { change, verified: false, mismatch, resolves: [] };
  }
  if (obs.kind === "failed" && booked) {
    return { change, verified: false, mismatch: { kind: "unverifiable", details: obs.message.slice(0, 200), resolved: false }, resolves: [] };
  }
  return { change, verified: false, resolves: [] };
}

/** Of a prospect's bookings listed by email, the one that is this meeting: the same start. */
export function bookingAt(bookings: ProviderBooking[], start: number): ProviderBooking | null {
  return bookings.find((b) => b.start === start) ?? null;
}

/** Of a prospect's bookings found in the agency's account, the one to record: active, in scope, soonest. */
export function bookingToRecord(bookings: ProviderBooking[], scopeStart: number): ProviderBooking | null {
  return bookings.filter((b) => b.status === "active" && b.start >= scopeStart).sort((a, b) => a.start - b.start)[0] ?? null;
}

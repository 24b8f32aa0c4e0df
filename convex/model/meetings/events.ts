import type { MutationCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import type { ChangeSource, MeetingEventKind } from "./validators";

export interface MeetingEvent {
  kind: MeetingEventKind;
  from?: number | string;
  to?: number | string;
  source: ChangeSource;
}

/** Appends one row to the meeting's history. Callers write it in the mutation that makes the change, only when it changed. */
export async function recordMeetingEvent(
  ctx: MutationCtx,
  meeting: { _id: Id<"meetings">; agencyId: Id<"agencies"> },
  event: MeetingEvent,
  at = Date.now(),
): Promise<void> {
  await ctx.db.insert("meetingEvents", { meetingId: meeting._id, agencyId: meeting.agencyId, at, ...event });
}

/** Who booked a meeting, as its history names the source: Atlas's own bookings (on a call, or on the prospect's link) are the AI's. */
export function bookingSource(source: Doc<"meetings">["source"]): ChangeSource {
  if (source === "staff") return "staff";
  if (source === "agency_link") return "provider";
  return "ai";
}

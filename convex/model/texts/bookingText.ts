/**
 * Booking confirmations by text: with the agency's confirmBookings on, each
 * booked, rescheduled or cancelled meeting reaches the prospect as one SMS per
 * meeting sequence (the same changes the email invites follow).
 */
import type { Doc } from "../../_generated/dataModel";
import type { MutationCtx } from "../../_generated/server";
import { hearingZone } from "../scheduling/prospectZone";
import { bookingChange, bookingText } from "./compose";
import { queueText, textKey, type QueuedText } from "./ledger";
import { textBackSettings } from "./textBack";

/** Queues the meeting's current state as one text (once per sequence); null when the agency does not confirm by text. */
export async function queueBookingText(
  ctx: MutationCtx,
  meeting: Doc<"meetings">,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  schedule: boolean,
): Promise<QueuedText | null> {
  const settings = await textBackSettings(ctx, agency._id);
  const change = bookingChange(meeting.status, meeting.sequence);
  if (!settings?.confirmBookings || !change) return null;
  const body = bookingText(change, meeting.meetingTime, hearingZone(opportunity, agency.timeZone), agency);
  return await queueText(
    ctx,
    {
      key: textKey.booking(meeting._id, meeting.sequence),
      agencyId: agency._id,
      purpose: "booking",
      to: opportunity.phone,
      body,
      opportunityId: opportunity._id,
      meetingId: meeting._id,
      sequence: meeting.sequence,
    },
    schedule,
  );
}

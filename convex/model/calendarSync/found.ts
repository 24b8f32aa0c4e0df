/**
 * A booking found in the agency's own Cal.com or Calendly for a prospect Atlas
 * has no meeting for (booked on the agency's link after a link-first call, say):
 * recorded as an agency_link meeting, exactly as a booking settles a prospect
 * (Booked, waiting calls withdrawn, staff told), never twice for one booking.
 */
import type { MutationCtx } from "../../_generated/server";
import type { Id } from "../../_generated/dataModel";
import { cancelWaitingAttempts } from "../calls/attempts";
import { notify } from "../notifications/notify";
import { slotLabel } from "../scheduling/availability";
import { recordMeetingEvent } from "../meetings/events";
import { standingMeeting } from "../meetings/lifecycle";
import { recordMismatch } from "../meetings/mismatches";
import type { KeyedProvider } from "../meetings/validators";
import { recordUsage } from "../usage";
import { logEvent } from "../log";
import type { ProviderBooking } from "./providers";

export async function recordFoundBooking(
  ctx: MutationCtx,
  opportunityId: Id<"opportunities">,
  provider: KeyedProvider,
  booking: ProviderBooking,
): Promise<boolean> {
  if (booking.status !== "active") return false;
  const opportunity = await ctx.db.get("opportunities", opportunityId);
  const agency = opportunity && (await ctx.db.get("agencies", opportunity.agencyId));
  if (!opportunity || !agency || opportunity.status === "Booked" || (await standingMeeting(ctx, opportunityId))) return false;
  const known = await ctx.db
    .query("meetings")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
    .take(50);
  // A booking recorded before (since cancelled or missed) is never recorded again.
  if (known.some((m) => m.providerBookingId === booking.id)) return false;
  const now = Date.now();
  const meetingId = await ctx.db.insert("meetings", {
    agencyId: agency._id,
    opportunityId,
    meetingTime: booking.start,
    durationMinutes: agency.meetingDurationMinutes,
    source: "agency_link",
    status: "booked",
    sequence: 0,
    providerBookingId: booking.id,
    bookingProvider: provider,
    verifiedAt: now,
    inHistory: true,
  });
  // Billed like a meeting Atlas booked: the booking is the agency's and Atlas brought it in.
  await recordUsage(ctx, agency._id, { bookedMeetings: 1 }, now);
  const meeting = { _id: meetingId, agencyId: agency._id };
  await recordMeetingEvent(ctx, meeting, { kind: "booked", to: booking.start, source: "provider" });
  await recordMeetingEvent(ctx, meeting, { kind: "verified", source: "provider" });
  await recordMismatch(
    ctx,
    { agencyId: agency._id, opportunityId, meetingId, kind: "provider_booking_not_recorded", details: `${provider} booking ${booking.id} recorded by reconciliation` },
    true,
  );
  await ctx.db.patch("opportunities", opportunityId, { status: "Booked", meetingTime: booking.start });
  const withdrawn = await cancelWaitingAttempts(ctx, opportunityId);
  await notify(ctx, {
    agencyId: agency._id,
    opportunityId,
    event: "booked",
    meetingId,
    text: `${opportunity.name} booked ${slotLabel(booking.start, agency.timeZone)} with ${agency.name} on the agency's own booking page`,
  });
  logEvent("meeting.booked", { meetingId, agencyId: agency._id, source: "agency_link", provider, withdrawn });
  return true;
}

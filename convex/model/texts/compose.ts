/**
 * What Atlas's texts say, and which numbers can receive one, pure. Times are
 * in the zone the prospect hears them in (prospectZone.hearingZone).
 */
import { parsePhoneNumberWithError } from "libphonenumber-js/max";
import { formatInZone } from "../scheduling/availability";

/** SMS bodies above this are split into many segments (and cost as many): an agency's own text is kept under it. */
export const MAX_TEXT_CHARS = 480;

export interface TextAgency {
  name: string;
  bookingLink?: string;
  inboundPhoneNumber?: string;
  email?: string;
}

/** The default missed-call text: names the agency and, when it has one, gives its booking link. */
export function defaultTextBack(agency: TextAgency): string {
  const next = agency.bookingLink
    ? `Book a time that suits you here: ${agency.bookingLink}`
    : "Call us back any time and we'll be glad to help.";
  return `Hi, this is ${agency.name}. Sorry we missed your call! ${next}`;
}

export type BookingChange = "booked" | "rescheduled" | "cancelled";

/** What a meeting's state at `sequence` tells the prospect; null for states that send nothing (completed, no-show). */
export function bookingChange(status: string, sequence: number): BookingChange | null {
  if (status === "cancelled") return "cancelled";
  if (status !== "booked") return null;
  return sequence === 0 ? "booked" : "rescheduled";
}

/** How the prospect changes the meeting: the agency's number, else its booking link, else its email. */
function howToChange(agency: TextAgency): string {
  if (agency.inboundPhoneNumber) return `To change it, call us at ${agency.inboundPhoneNumber}.`;
  if (agency.bookingLink) return `To change it, go to ${agency.bookingLink}`;
  if (agency.email) return `To change it, email ${agency.email}.`;
  return "To change it, reply to the invite we emailed you.";
}

/** One booking text: the time in the prospect's zone, the agency's name, how to change it. */
export function bookingText(change: BookingChange, meetingTime: number, zone: string, agency: TextAgency): string {
  const when = formatInZone(meetingTime, zone);
  if (change === "cancelled") {
    const again = agency.bookingLink ? ` To book another time: ${agency.bookingLink}` : "";
    return `${agency.name}: your meeting on ${when} is cancelled.${again}`;
  }
  const what = change === "booked" ? "is booked for" : "has moved to";
  return `${agency.name}: your meeting ${what} ${when}. ${howToChange(agency)}`;
}

/** False for numbers that cannot receive texts: libphonenumber-js's full metadata says FIXED_LINE (a landline). */
export function canReceiveTexts(e164: string): boolean {
  try {
    return parsePhoneNumberWithError(e164).getType() !== "FIXED_LINE";
  } catch {
    return false;
  }
}

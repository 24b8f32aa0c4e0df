/**
 * Meeting invites: the iCalendar file (RFC 5545 / iTIP RFC 5546) and the email text.
 *
 * Pure (ics + Luxon): the same meeting always yields byte-identical output, so a
 * retried send carries exactly the payload of the first try (Resend refuses a reused
 * idempotency key with a different body).
 */
import { createEvent, type Attendee, type EventAttributes } from "ics";
import { DateTime } from "luxon";
import { MINUTE } from "../scheduling/availability";

export type InviteMethod = "REQUEST" | "CANCEL";
export type Recipient = "prospect" | "agency";

export interface InviteMeeting {
  id: string;
  meetingTime: number;
  durationMinutes: number;
  sequence: number;
  status: "booked" | "cancelled" | "completed" | "no_show";
  /** When the current sequence was issued: the iCalendar DTSTAMP. */
  revisedAt: number;
}

export interface InviteParties {
  agencyName: string;
  agencyZone: string;
  /**
   * ORGANIZER address: Atlas's sending address, named after the agency. Never the agency's own
   * address: Gmail and Outlook do not offer an invite to its organizer as an invite.
   */
  organizerEmail: string;
  /** The agency's address: an ATTENDEE (the host), so its copy is an invite it can put in its calendar. */
  agencyEmail?: string;
  prospectName: string;
  prospectEmail?: string;
  prospectZone?: string;
}

/** Booked meetings get (updated) invites, cancelled ones a cancellation; others nothing. */
export function inviteMethod(status: InviteMeeting["status"]): InviteMethod | null {
  if (status === "booked") return "REQUEST";
  if (status === "cancelled") return "CANCEL";
  return null;
}

/** One UID for the meeting's whole life, so calendars update the event instead of adding one. */
export function inviteUid(meetingId: string): string {
  return `${meetingId}@atlas`;
}

/** Ledger and idempotency key: one email per (meeting, sequence, recipient). */
export function inviteDeliveryKey(meetingId: string, sequence: number, recipient: Recipient): string {
  return `${invitePrefix(meetingId)}${sequence}:${recipient}`;
}

export function invitePrefix(meetingId: string): string {
  return `invite:${meetingId}:`;
}

/** The sequence a delivery key was issued for (keys from inviteDeliveryKey). */
export function sequenceOfKey(key: string): number {
  return Number(key.split(":")[2]);
}

/** "Atlas <atlas@example.com>" -> "atlas@example.com". */
export function addressOf(from: string): string {
  const m = /<([^>]+)>\s*$/.exec(from);
  return (m ? m[1] : from).trim();
}

function meetingTitle(p: InviteParties): string {
  return `Meeting: ${p.agencyName} and ${p.prospectName}`;
}

/**
 * Everyone the invite goes to, each an ATTENDEE: RFC 5546 requires at least one on a
 * REQUEST or CANCEL, and mail clients offer an invite only to an address listed as one.
 */
function attendeesOf(p: InviteParties): Attendee[] {
  const invited = { rsvp: true, partstat: "NEEDS-ACTION" } as const;
  return [
    ...(p.prospectEmail ? [{ name: p.prospectName, email: p.prospectEmail, role: "REQ-PARTICIPANT" as const, ...invited }] : []),
    ...(p.agencyEmail ? [{ name: p.agencyName, email: p.agencyEmail, role: "CHAIR" as const, ...invited }] : []),
  ];
}

export function buildIcs(meeting: InviteMeeting, parties: InviteParties): string {
  const method = inviteMethod(meeting.status);
  if (!method) throw new Error(`no invite for a ${meeting.status} meeting`);
  if (!parties.prospectEmail && !parties.agencyEmail) throw new Error("an invite needs an attendee: neither party has an email");
  // `timestamp` (DTSTAMP) is accepted by ics but missing from its types; pinning it keeps output stable.
  const event: EventAttributes & { timestamp: number } = {
    productId: "-//Atlas//Meeting invites//EN",
    method,
    uid: inviteUid(meeting.id),
    sequence: meeting.sequence,
    timestamp: Math.floor(meeting.revisedAt), // _creationTime carries fractions of a millisecond
    start: meeting.meetingTime,
    startInputType: "utc",
    startOutputType: "utc",
    end: meeting.meetingTime + meeting.durationMinutes * MINUTE,
    endInputType: "utc",
    endOutputType: "utc",
    title: meetingTitle(parties),
    description: `${meeting.durationMinutes}-minute meeting between ${parties.agencyName} and ${parties.prospectName}, booked by Atlas.`,
    status: method === "CANCEL" ? "CANCELLED" : "CONFIRMED",
    organizer: { name: parties.agencyName, email: parties.organizerEmail },
    attendees: attendeesOf(parties),
  };
  const { error, value } = createEvent(event);
  if (error || !value) throw new Error(`invite could not be built: ${error?.message ?? "empty output"}`);
  return foldLines(value);
}

const encoder = new TextEncoder();

/**
 * RFC 5545 §3.1: content lines longer than 75 octets are folded with CRLF + space.
 * ics folds by characters, which overshoots for non-ASCII names, so its output is
 * unfolded and folded again by octets, never splitting a character.
 */
export function foldLines(ics: string): string {
  const lines = ics.replace(/\r\n[ \t]/g, "").split("\r\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map(foldLine).join("\r\n") + "\r\n";
}

function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
      limit = 74; // continuation lines start with the folding space
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

/** Whose clock the email speaks in: the prospect's zone when known, the agency's otherwise. */
export function recipientZone(recipient: Recipient, parties: InviteParties): string {
  return recipient === "prospect" ? (parties.prospectZone ?? parties.agencyZone) : parties.agencyZone;
}

function spokenTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("cccc, LLLL d, yyyy 'at' h:mm a ZZZZ") + ` (${zone})`;
}

function shortTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("ccc, LLL d, h:mm a ZZZZ");
}

type Change = "booked" | "rescheduled" | "cancelled";

function changeOf(meeting: InviteMeeting): Change {
  if (meeting.status === "cancelled") return "cancelled";
  return meeting.sequence === 0 ? "booked" : "rescheduled";
}

const SUBJECT_PREFIX: Record<Change, string> = { booked: "Confirmed", rescheduled: "Updated", cancelled: "Cancelled" };

export interface InviteEmail {
  subject: string;
  text: string;
}

/** Subject and plain-text body for one recipient, the time said in their own zone. */
export function inviteEmail(meeting: InviteMeeting, parties: InviteParties, recipient: Recipient): InviteEmail {
  const zone = recipientZone(recipient, parties);
  const change = changeOf(meeting);
  const when = spokenTime(meeting.meetingTime, zone);
  const length = `${meeting.durationMinutes}-minute`;
  const subject = `${SUBJECT_PREFIX[change]}: ${parties.agencyName} and ${parties.prospectName}, ${shortTime(meeting.meetingTime, zone)}`;

  const sentence =
    recipient === "prospect"
      ? {
          booked: `Your ${length} meeting with ${parties.agencyName} is booked for ${when}.`,
          rescheduled: `Your ${length} meeting with ${parties.agencyName} has moved to ${when}.`,
          cancelled: `Your ${length} meeting with ${parties.agencyName} on ${when} has been cancelled.`,
        }[change]
      : {
          booked: `Atlas booked a ${length} meeting with ${parties.prospectName} for ${when}.`,
          rescheduled: `Your ${length} meeting with ${parties.prospectName} has moved to ${when}.`,
          cancelled: `Your ${length} meeting with ${parties.prospectName} on ${when} has been cancelled.`,
        }[change];
  const greeting = recipient === "prospect" ? `Hi ${parties.prospectName},` : `Hello ${parties.agencyName},`;
  const closing =
    change === "cancelled"
      ? "The attached calendar file removes it from your calendar."
      : "The calendar invite is attached.";
  return { subject, text: `${greeting}\n\n${sentence}\n\n${closing}\n` };
}

/** The emails a process may send the prospect after the call, each said in the prospect's zone. */
import { slotLabel } from "../scheduling/availability";

export interface EmailParty {
  agencyName: string;
  prospectName: string;
  prospectZone: string;
  meetingDurationMinutes: number;
  bookingLink?: string;
}

export function bookingLinkEmail(p: EmailParty): { subject: string; text: string } {
  return {
    subject: `Book your intro meeting with ${p.agencyName}`,
    text: [
      `Hi ${p.prospectName},`,
      ``,
      `Thanks for speaking with us today. As promised, here is the link to book a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName} at a time that suits you:`,
      ``,
      p.bookingLink ?? "",
      ``,
      `${p.agencyName}`,
    ].join("\n"),
  };
}

/** The free times nearest to what the prospect asked for, each said in the prospect's zone. */
export function freeSlotsEmail(p: EmailParty, slots: number[]): { subject: string; text: string } {
  return {
    subject: `Times for your intro meeting with ${p.agencyName}`,
    text: [
      `Hi ${p.prospectName},`,
      ``,
      `Thanks for speaking with us today. We could not settle a time on the call, so here are the nearest free times for a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName} (your time, ${p.prospectZone}):`,
      ``,
      ...slots.map((s) => `- ${slotLabel(s, p.prospectZone)}`),
      ``,
      `Reply with the one that suits you and we will send a calendar invite.`,
      ``,
      `${p.agencyName}`,
    ].join("\n"),
  };
}

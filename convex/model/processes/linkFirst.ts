/** Atlas qualifies the prospect, offers no times and emails the agency's booking link. */
import { qualificationQuestions } from "./blocks";
import { defineProcess, type InstructionBlock } from "./spec";

const bookingLink: InstructionBlock = (p) => ({
  steps: [`Offer no meeting times. Promise to email them a link to book a time that suits them: ${p.bookingLink}`],
  rules: [`- Never offer or agree a specific time: the link is how they book.`],
});

export const linkFirst = defineProcess({
  name: "link_first",
  offersTimes: false,
  needsBookingLink: true,
  instructions: {
    goal: (p) =>
      `Goal: qualify ${p.prospectName} for a ${p.meetingDurationMinutes}-minute intro meeting with ${p.agencyName} and send them the booking link.`,
    order: [qualificationQuestions, bookingLink],
  },
  analysisHints: [],
  decision: { proposedTimes: "ignored", otherwise: { action: "follow_up", reason: "booking link promised" } },
  postCall: ({ decision, mayContact }) =>
    decision.action === "follow_up" && mayContact ? { emails: [{ kind: "booking_link" }], events: ["positive_lead"] } : {},
});

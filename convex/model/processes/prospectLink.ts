/**
 * Atlas first asks for the prospect's own scheduling link (handed to the
 * scheduler-link flow after the call), then offers times as offer_times does.
 */
import { bookMeetingGoal, offeredTimes, qualificationQuestions } from "./blocks";
import { defineProcess, type InstructionBlock } from "./spec";

const theirLink: InstructionBlock = () => ({
  steps: [
    `First ask whether they use a scheduling link of their own (Calendly, Cal.com, HubSpot...). If so, ask them to spell it, read it back, and ask whether we should book a time on it for them. If not, go on.`,
  ],
  rules: [],
});

export const prospectLink = defineProcess({
  name: "prospect_link",
  offersTimes: true,
  needsBookingLink: false,
  instructions: { goal: bookMeetingGoal, order: [theirLink, offeredTimes, qualificationQuestions] },
  analysisHints: [],
  decision: { proposedTimes: "alternates" },
});

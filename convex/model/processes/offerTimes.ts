/** Atlas offers 3-4 real free times and books the one the prospect clearly accepts. */
import { bookMeetingGoal, offeredTimes, qualificationQuestions } from "./blocks";
import { defineProcess } from "./spec";

export const offerTimes = defineProcess({
  name: "offer_times",
  offersTimes: true,
  needsBookingLink: false,
  instructions: { goal: bookMeetingGoal, order: [offeredTimes, qualificationQuestions] },
  analysisHints: [],
  decision: { proposedTimes: "alternates" },
});

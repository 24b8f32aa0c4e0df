/**
 * Atlas asks when suits the prospect. The first proposed time that is free is
 * booked under the usual evidence and confidence checks; otherwise a person
 * settles it and the prospect is emailed the nearest free times.
 */
import { askTimes, bookMeetingGoal, qualificationQuestions } from "./blocks";
import { defineProcess } from "./spec";

export const prospectProposes = defineProcess({
  name: "prospect_proposes",
  offersTimes: false,
  needsBookingLink: false,
  instructions: { goal: bookMeetingGoal, order: [askTimes, qualificationQuestions] },
  analysisHints: [`Atlas asked the prospect to propose times: list them in proposedTimes.`],
  decision: { proposedTimes: "first" },
});

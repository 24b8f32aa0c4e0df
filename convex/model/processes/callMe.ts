/** The prospect wants a person to call them back (possibly on another number); nothing is booked. */
import { qualificationQuestions } from "./blocks";
import { defineProcess, type InstructionBlock } from "./spec";

const callback: InstructionBlock = (p) => ({
  steps: [
    `Offer that a person from ${p.agencyName} calls them back. Ask when suits them and which number to call (it may be another number); read the number back digit by digit.`,
  ],
  rules: [`- Do not offer or agree meeting times.`],
});

export const callMe = defineProcess({
  name: "call_me",
  offersTimes: false,
  needsBookingLink: false,
  instructions: {
    goal: (p) => `Goal: arrange for a person from ${p.agencyName} to call ${p.prospectName} back.`,
    order: [qualificationQuestions, callback],
  },
  analysisHints: [],
  decision: { proposedTimes: "ignored" },
});

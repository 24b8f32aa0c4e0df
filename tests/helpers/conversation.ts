/** The scripted call every flow test shares: the clock, the conversation and what the model says about it. */

/** Saturday 2026-11-21 10:00 New York. */
export const NOW = Date.parse("2026-11-21T15:00:00Z");

export type Line = [who: "AI" | "User", text: string];

export const AGREED: Line[] = [
  ["AI", "Hi Dana, this is Atlas from Brightline Growth. Could we set up a 30 minute intro?"],
  ["User", "Sure, what times do you have?"],
  ["AI", "I have Monday at 10 AM, Tuesday at 2 PM or Wednesday at 11 AM Eastern."],
  ["User", "Tuesday at 2 PM works for me."],
  ["AI", "Great, Tuesday November 24th at 2 PM Eastern. You'll get an invite."],
  ["User", "Perfect, thanks."],
];
/** Tuesday 2026-11-24 14:00 New York. */
export const AGREED_ISO = "2026-11-24T14:00:00-05:00";

/** The reply Groq gives for AGREED when the model gets it right. */
export const BOOKED_REPLY = {
  meetingBooked: true,
  slotIso: AGREED_ISO,
  confidence: 0.93,
  reasoning: "Prospect accepted Tuesday at 2 PM.",
  evidence: "Tuesday at 2 PM works for me",
};

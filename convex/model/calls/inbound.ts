/**
 * Inbound calls: what Atlas answers to Vapi's `assistant-request`. Vapi speaks an
 * `error` reply to the caller, so every refusal is a polite sentence.
 */
export const UNKNOWN_CALLER = "Unknown caller";

export const SPOKEN = {
  unknownNumber: "Sorry, this number is not connected to a team that can take your call right now. Please try again later. Goodbye.",
  noCallerId: "Sorry, we can only take calls with caller ID. Please call again with your number shown. Goodbye.",
  unavailable: "Sorry, we can't take your call right now. Please try again in a few minutes. Goodbye.",
} as const;

/** The caller's name for the opportunity: what the carrier sent, else a placeholder staff can fix. */
export function callerDisplayName(name: string | undefined): string {
  return name?.trim() || UNKNOWN_CALLER;
}

/** The name the agent may say: none for a caller we do not know. */
export function spokenName(opportunityName: string): string {
  return opportunityName === UNKNOWN_CALLER ? "" : opportunityName;
}

export interface InboundAnswer {
  callId: string;
  agencyId: string;
  opportunityId: string;
  agencyName: string;
  prospectName: string;
  schedulingContext: string;
  localNow: string;
  offeredSlotsISO: string[];
}

/**
 * The saved assistant (its server URL and credential stay in force) with content
 * overrides only. Metadata carries our call id like an outbound call's does.
 */
export function assistantReply(assistantId: string, a: InboundAnswer) {
  const firstMessage = a.prospectName
    ? `Hi ${a.prospectName}, thanks for calling ${a.agencyName}. How can I help you today?`
    : `Thanks for calling ${a.agencyName}. Who am I speaking with?`;
  return {
    assistantId,
    assistantOverrides: {
      firstMessage,
      variableValues: {
        agencyName: a.agencyName,
        prospectName: a.prospectName,
        schedulingContext: a.schedulingContext,
        localNow: a.localNow,
        direction: "inbound",
      },
      metadata: {
        callId: a.callId,
        agencyId: a.agencyId,
        opportunityId: a.opportunityId,
        offeredSlotsISO: a.offeredSlotsISO,
        direction: "inbound",
      },
    },
  };
}

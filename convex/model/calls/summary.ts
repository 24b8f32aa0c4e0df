import { v, type Infer } from "convex/values";
import type { Doc } from "../../_generated/dataModel";
import { analysisStatus, callDirection, callOutcome, callStatus } from "../../schema";

export const callSummaryFields = {
  callId: v.id("calls"),
  opportunityId: v.id("opportunities"),
  direction: callDirection,
  status: callStatus,
  outcome: v.optional(callOutcome),
  attempt: v.number(),
  createdAt: v.number(),
  dialAt: v.number(),
  startedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  durationSeconds: v.optional(v.number()),
  cost: v.optional(v.number()),
  endedReason: v.optional(v.string()),
  analysisStatus: v.optional(analysisStatus),
  meetingId: v.optional(v.id("meetings")),
  meetingTime: v.optional(v.number()),
  messageCount: v.optional(v.number()),
  recordingUrl: v.optional(v.string()),
  stereoRecordingUrl: v.optional(v.string()),
};
export const callSummary = v.object(callSummaryFields);

/** What staff see of a call in lists: outcome, times, cost, recording. No prompt, no transcript. */
export type CallSummary = Infer<typeof callSummary>;

export function toCallSummary(c: Doc<"calls">) {
  return {
    callId: c._id,
    opportunityId: c.opportunityId,
    direction: c.direction,
    status: c.status,
    outcome: c.outcome,
    attempt: c.attempt,
    createdAt: c._creationTime,
    dialAt: c.dialAt,
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    durationSeconds: c.durationSeconds,
    cost: c.cost,
    endedReason: c.endedReason,
    analysisStatus: c.analysisStatus,
    meetingId: c.meetingId,
    meetingTime: c.meetingTime,
    messageCount: c.messageCount,
    recordingUrl: c.recordingUrl,
    stereoRecordingUrl: c.stereoRecordingUrl,
  };
}

/**
 * The rules that decide whether a reply may book. The model names times (offered
 * ids or wall-clock times as said); these checks (the slot rule, evidence of
 * agreement in one prospect line, confidence) decide, the server computes every
 * instant, and the call's booking process says how proposed times and a reply
 * that settles nothing count (its `decision` hook).
 */
import { formatInZone, toZonedIso, type SlotVerdict } from "../scheduling/availability";
import { processSpec, type BookingProcess } from "../processes";
import { usableLink } from "../providers/schedulerLink";
import type { TranscriptMessage } from "../providers/vapiMessages";
import { readIsoTime, readWallTime, type CallZones, type OfferedSlot, type TimeReading } from "../scheduling/wallClock";
import { agreementQuoted, quotedFromOneLine, quoteFitsSlot } from "./evidence";
import type { AnalysisReply, Decision, WallTimeAnswer } from "./reply";

/** What deciding needs besides the reply: the call's zones and offers, what was said, and the slot rule now. */
export interface DecisionContext {
  zones: CallZones;
  offeredSlots: OfferedSlot[];
  messages: TranscriptMessage[];
  bookingProcess?: BookingProcess;
  /** evaluateSlot for this call now: offered slots exempt from the notice, busy meetings read through the index. */
  check: (start: number) => SlotVerdict;
  /** Free slots now, for the nearest-times suggestions of a clarification. */
  freeSlots: () => number[];
}

type TimeAnswer = string | WallTimeAnswer;
type Resolved = { start: number; free: boolean; reason?: string } | { start?: undefined; free: false; reason: string };

/** An answer (offered id, time as said, or ISO) -> its instant and whether this call may book it now. */
function resolveTime(what: string, answer: TimeAnswer, c: DecisionContext): Resolved {
  let reading: TimeReading;
  if (typeof answer !== "string") {
    reading = readWallTime(answer, c.zones);
  } else if (/^S\d+$/i.test(answer.trim())) {
    const slot = c.offeredSlots.find((s) => s.id.toLowerCase() === answer.trim().toLowerCase());
    reading = slot ? { ok: true, start: slot.start } : { ok: false, reason: `${answer.trim()} was not offered on this call` };
  } else {
    reading = readIsoTime(answer, c.zones, (ms) => c.check(ms).ok);
  }
  if (!reading.ok) return { free: false, reason: `${what}: ${reading.reason}` };
  const verdict = c.check(reading.start);
  if (!verdict.ok) {
    const label = formatInZone(reading.start, c.zones.prospectZone);
    return { start: reading.start, free: false, reason: `${what} ${label} is not a free slot (${verdict.reason.replace(/_/g, " ")})` };
  }
  return { start: reading.start, free: true };
}

function agreedAnswer(reply: AnalysisReply): TimeAnswer | null {
  return reply.slotId?.trim() || reply.agreedTime || reply.slotIso || null;
}

function book(start: number, c: DecisionContext, reason: string): Decision {
  return { action: "book", slotStart: start, slotIso: toZonedIso(start, c.zones.agencyZone), reason };
}

/** Whether a parsed reply may book, reject, needs a person, or goes to its process's follow-up. */
export function decide(reply: AnalysisReply, c: DecisionContext, minConfidence: number): Decision {
  const spec = processSpec(c.bookingProcess);
  const rules = spec.decision;
  const confident = reply.confidence >= minConfidence;
  const proposals = reply.proposedTimes ?? [];
  if (rules.proposedTimes === "first" && !reply.rejectionDetected && (reply.meetingBooked || proposals.length)) {
    return decideProposed(reply, c, minConfidence, true);
  }
  if (reply.meetingBooked) {
    const answer = agreedAnswer(reply);
    if (answer === null) return { action: "review", reason: "meetingBooked without an agreed time" };
    const agreed = resolveTime("agreed time", answer, c);
    if (!agreed.free) {
      // A time of their own (answered as said, not an offered id) that is taken: in a times process a person
      // settles it and the prospect gets the nearest free times, as for any proposed time.
      if (typeof answer !== "string" && spec.offersTimes) return decideProposed(reply, c, minConfidence, true);
      return { action: "review", reason: agreed.reason! };
    }
    // One agreed time: the quote names it or nothing (proposals may quote several alternatives).
    if (!agreementQuoted(reply.evidence, c.messages, agreed.start, c.zones) || !quoteFitsSlot(reply.evidence, agreed.start, c.zones)) {
      return { action: "review", reason: "evidence is not in the prospect's words (one line, agreeing, naming the time or answering the AI naming it)" };
    }
    if (!confident) return { action: "review", reason: `confidence ${reply.confidence} is below ${minConfidence}` };
    return book(agreed.start, c, "agreed to a free slot");
  }
  if (reply.rejectionDetected) {
    if (quotedFromOneLine(reply.evidence, c.messages) && confident) return { action: "reject", reason: "prospect declined" };
    return { action: "review", reason: "possible rejection without clear evidence" };
  }
  if (proposals.length && rules.proposedTimes !== "ignored") return decideProposed(reply, c, minConfidence, false);
  if (reply.callbackRequested) return { action: "follow_up", reason: "prospect asked for a call back" };
  if (usableLink(reply.schedulerLink)) return { action: "follow_up", reason: "prospect gave their own scheduling link" };
  return rules.otherwise ?? { action: "review", reason: "no agreed time" };
}

/**
 * Proposed times (after the agreed one, when `withAgreed`), in order: the first
 * that is free is booked when the usual evidence and confidence checks pass.
 * Anything else is a clarification with the nearest free slots.
 */
function decideProposed(reply: AnalysisReply, c: DecisionContext, minConfidence: number, withAgreed: boolean): Decision {
  const agreed = withAgreed && reply.meetingBooked ? agreedAnswer(reply) : null;
  const candidates: TimeAnswer[] = [...(agreed !== null ? [agreed] : []), ...(reply.proposedTimes ?? [])];
  const resolved = candidates.map((answer) => resolveTime("proposed time", answer, c));
  const wanted = resolved.flatMap((r) => (r.start === undefined ? [] : [r.start]));
  const clarify = (reason: string): Decision => ({ action: "clarify", reason, suggestedSlots: nearestFreeSlots(wanted, c.freeSlots()) });
  const free = resolved.find((r) => r.free);
  if (!free || free.start === undefined) {
    const reasons = resolved.map((r) => r.reason ?? "").join("; ");
    return clarify(`none of the proposed times is free (${reasons || "none given"})`);
  }
  if (!agreementQuoted(reply.evidence, c.messages, free.start, c.zones)) return clarify("proposed times are not in the prospect's words");
  if (reply.confidence < minConfidence) return clarify(`confidence ${reply.confidence} is below ${minConfidence}`);
  return book(free.start, c, "proposed a free slot");
}

/**
 * The free slots closest to what the prospect asked for (soonest first when they
 * named nothing usable), at least `gapMinutes` apart so the choice is a real one,
 * in time order.
 */
export function nearestFreeSlots(wanted: number[], free: number[], count = 3, gapMinutes = 60): number[] {
  const distance = (s: number) => (wanted.length === 0 ? s : Math.min(...wanted.map((w) => Math.abs(s - w))));
  const picked: number[] = [];
  for (const s of [...free].sort((a, b) => distance(a) - distance(b) || a - b)) {
    if (picked.length >= count) break;
    if (picked.every((p) => Math.abs(p - s) >= gapMinutes * 60_000)) picked.push(s);
  }
  return picked.sort((a, b) => a - b);
}

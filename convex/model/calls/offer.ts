import { ConvexError } from "convex/values";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { loadSchedule } from "../scheduling/schedule";
import { freeSlots, MAX_CALL_MINUTES, MINUTE, recommendSlots, toZonedIso } from "../scheduling/availability";
import { hearingZone, resolveProspectZones } from "../scheduling/prospectZone";
import { buildSchedulingPrompt } from "./prompt";
import { effectiveProcess, processSpec } from "../processes";

/** A call prepared longer ago than this gets fresh slots when it is finally dialled. */
export const STALE_OFFER_MS = 10 * MINUTE;

/** The zone the prospect hears times in: the one given or inferred from their number, else the agency's. */
export function prospectZone(agency: Doc<"agencies">, opportunity: Doc<"opportunities">): string {
  return hearingZone(opportunity, agency.timeZone);
}

/** Every zone the prospect's phone may ring in: dials wait until it is calling hours in all of them. */
export function callingZones(agency: Doc<"agencies">, opportunity: Doc<"opportunities">): string[] {
  return resolveProspectZones(opportunity, agency.timeZone).callingZones;
}

/**
 * The call's booking process, its free slots now, the 3-4 to offer (none when the
 * process offers no times, e.g. link_first) and the prompt section for it.
 */
export async function prepareOffer(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  opportunity: Doc<"opportunities">,
  now: number,
) {
  const bookingProcess = effectiveProcess(agency, opportunity);
  const schedule = await loadSchedule(ctx, agency, now);
  const free = freeSlots(schedule.rules, now, schedule.busy);
  const offersTimes = processSpec(bookingProcess).offersTimes;
  // Offers must survive the call: the longest call (and the wait before a prepared
  // call dials without a fresh offer) must not eat into the minimum notice.
  const earliestOffer = now + (agency.minNoticeMinutes + MAX_CALL_MINUTES) * MINUTE + STALE_OFFER_MS;
  const offerable = free.filter((s) => s >= earliestOffer);
  if (offersTimes && offerable.length === 0) {
    throw new ConvexError(`agency ${agency._id} has no free slot in the next ${agency.horizonDays} days to offer`);
  }
  const offered = offersTimes ? recommendSlots(offerable, prospectZone(agency, opportunity)) : [];
  const offeredSlots = offered.map((start, i) => ({ id: `S${i + 1}`, start }));
  return {
    bookingProcess,
    offeredSlotsISO: offered.map((s) => toZonedIso(s, agency.timeZone)),
    offeredSlots,
    promptContext: buildSchedulingPrompt({
      agencyName: agency.name,
      prospectName: opportunity.name,
      agencyZone: agency.timeZone,
      prospectZone: prospectZone(agency, opportunity),
      now,
      meetingDurationMinutes: agency.meetingDurationMinutes,
      offeredSlots,
      availabilityWindows: agency.availability,
      minNoticeMinutes: agency.minNoticeMinutes,
      horizonDays: agency.horizonDays,
      bookingProcess,
      bookingLink: agency.bookingLink,
      qualificationQuestions: agency.qualificationQuestions,
    }),
  };
}

/** A call's prompt section: its callOffers row, or the call's own field until migrations.migrateCalls moves it. */
export async function offerPrompt(ctx: QueryCtx, call: Doc<"calls">): Promise<string> {
  const row = await ctx.db
    .query("callOffers")
    .withIndex("by_call", (q) => q.eq("callId", call._id))
    .unique();
  return row?.promptContext ?? call.promptContext ?? "";
}

/** Stores (or replaces, when the offer is refreshed) the call's prompt section. */
export async function saveOfferPrompt(ctx: MutationCtx, callId: Id<"calls">, promptContext: string): Promise<void> {
  const row = await ctx.db
    .query("callOffers")
    .withIndex("by_call", (q) => q.eq("callId", callId))
    .unique();
  if (row) await ctx.db.patch("callOffers", row._id, { promptContext });
  else await ctx.db.insert("callOffers", { callId, promptContext });
}

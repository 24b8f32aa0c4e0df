/**
 * The prospect's own scheduler link (booking process 5), the parts its functions share:
 * the opportunity and agency it concerns, the meeting booked on it, and the
 * "scheduler_link" task a person gets when Atlas cannot book it alone.
 */
import { ConvexError } from "convex/values";
import type { MutationCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { describeSlots, loadSchedule } from "../scheduling/schedule";
import { freeSlots } from "../scheduling/availability";
import { hearingZone } from "../scheduling/prospectZone";
import type { ProviderFailure, SchedulerProvider } from "../providers/schedulerLink";
import { openTask } from "../tasks";

/** How many free times a task lists (the earliest ones): enough for a person to pick from. */
const TASK_TIMES = 8;

/** The opportunity and its agency; a ConvexError says which is missing. */
export async function loadPair(ctx: MutationCtx, opportunityId: Id<"opportunities">) {
  const opportunity = await ctx.db.get("opportunities", opportunityId);
  if (!opportunity) throw new ConvexError(`opportunity ${opportunityId} not found`);
  const agency = await ctx.db.get("agencies", opportunity.agencyId);
  if (!agency) throw new ConvexError(`opportunity ${opportunityId} has lost its agency`);
  return { opportunity, agency };
}

/** The meeting booked on the prospect's own link, if one stands. */
export async function linkMeeting(ctx: MutationCtx, opportunityId: Id<"opportunities">) {
  const meetings = await ctx.db
    .query("meetings")
    .withIndex("by_opportunity", (q) => q.eq("opportunityId", opportunityId))
    .collect();
  return meetings.find((m) => m.source === "prospect_link" && m.status === "booked") ?? null;
}

/** Booked, rejected or opted out: nothing more is booked for this prospect on their link. */
export function isClosed(opportunity: Doc<"opportunities">): boolean {
  return opportunity.status === "Booked" || opportunity.status === "Rejected" || opportunity.doNotCall === true;
}

export async function loadClaim(ctx: MutationCtx, claimId: Id<"schedulerBookings">) {
  const claim = await ctx.db.get("schedulerBookings", claimId);
  if (!claim) throw new ConvexError(`scheduler booking claim ${claimId} not found`);
  return claim;
}

/**
 * Opens (or reuses) the opportunity's "scheduler_link" task. With `overlap` the task
 * lists the earliest of those times; with null (unreadable provider, provider error)
 * the agency's own next free times, so a person can propose one.
 */
export async function openLinkTask(
  ctx: MutationCtx,
  args: {
    opportunityId: Id<"opportunities">;
    callId?: Id<"calls">;
    link: string;
    provider: SchedulerProvider;
    reason: string;
    overlap: number[] | null;
    failure?: ProviderFailure;
  },
): Promise<Id<"tasks">> {
  const { opportunity, agency } = await loadPair(ctx, args.opportunityId);
  const schedule = await loadSchedule(ctx, agency, Date.now());
  const candidates = args.overlap ?? freeSlots(schedule.rules, schedule.now, schedule.busy);
  const times = candidates.slice(0, TASK_TIMES);
  return openTask(
    ctx,
    {
      agencyId: agency._id,
      opportunityId: opportunity._id,
      callId: args.callId,
      type: "scheduler_link",
      reason: args.reason,
      details: {
        link: args.link,
        provider: args.provider,
        timesAre: args.overlap ? "free on both calendars" : "agency free times",
        freeTimes: describeSlots(schedule, times, hearingZone(opportunity, agency.timeZone)),
        ...(args.failure ? { failure: args.failure } : {}),
      },
    },
    { perOpportunity: true },
  );
}

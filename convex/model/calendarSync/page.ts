/**
 * One reconciliation page of one agency: plan (which meetings, which provider to
 * ask, which prospects to look up), ask (an action: ./ask.ts), apply (one
 * mutation). Pages are bounded (PAGE_SIZE meetings, LOOKUPS_PER_PAGE prospects)
 * and read through indexes from a stored watermark, so a page costs the same at
 * 1,000 meetings or 100,000: only meetings in scope (upcoming, or ended within
 * SCOPE_MS) are in the range read. A meeting Atlas wrote to the agency's Google
 * Calendar is checked against that event (googleEventId).
 */
import { v, type Infer } from "convex/values";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";
import { DAY, MAX_MEETING_MINUTES, MINUTE } from "../scheduling/availability";
import { classifySchedulerLink } from "../providers/schedulerLink";
import { backoffMs, RECONCILE_RETRY } from "../retryPolicy";
import { applyMeetingChange, heldAtProvider, markVerified, meetingEnd } from "../meetings/lifecycle";
import { recordMismatch, resolveMismatches } from "../meetings/mismatches";
import { bookingProvider, keyedProvider, type KeyedProvider } from "../meetings/validators";
import { connectionOf } from "../calendar/connection";
import { meetingStatus } from "../../schema";
import { outboxKey } from "../outbox/messages";
import { queueWriteInConnected, writtenElsewhere } from "../calendar/events";
import { logEvent } from "../log";
import { decide, observation, providerBooking, type Observation } from "./decide";
import { recordFoundBooking } from "./found";

export const PAGE_SIZE = 50;
export const LOOKUPS_PER_PAGE = 25;
/** Meetings that ended longer ago than this are history: the backfill's, not the reconciler's. */
export const SCOPE_MS = 7 * DAY;

export const check = v.object({
  provider: bookingProvider,
  bookingId: v.optional(v.string()),
  /** By email: the prospect's bookings in the agency's account, matched on the meeting's start. */
  email: v.optional(v.string()),
  /** A prospect's own Cal.com link: asked without a key, on the link's regional host. */
  apiBase: v.optional(v.string()),
  keyed: v.boolean(),
  role: v.union(v.literal("host"), v.literal("attendee")),
});
export type Check = Infer<typeof check>;

export const connection = v.object({ provider: keyedProvider, apiKey: v.string(), organizationUri: v.optional(v.string()) });

const watermark = v.object({ time: v.number(), creation: v.number() });

/**
 * The meeting as the page planned it. The providers are asked in between (seconds), so when apply finds the
 * meeting changed since (a staff reschedule or cancel, a new booking), the answer is about an older meeting.
 */
const planned = { sequence: v.number(), status: meetingStatus };

export const plan = v.object({
  meetings: v.array(
    v.object({
      meetingId: v.id("meetings"),
      meetingTime: v.number(),
      ...planned,
      check: v.union(check, v.null()),
      /** Known without asking anyone (Google needs reconnecting, Atlas's event was never written). */
      observed: v.optional(observation),
      at: watermark,
    }),
  ),
  /** Where the next page starts once all these are applied; null: the scope is done, start over. */
  end: v.union(watermark, v.null()),
  lookups: v.array(v.object({ opportunityId: v.id("opportunities"), email: v.string() })),
  lookupNext: v.object({ status: v.union(v.literal("New"), v.literal("Contacted")), cursor: v.union(v.string(), v.null()) }),
  connections: v.array(connection),
  /** The agency's Google Calendar when it can be read: the zone its all-day events are taken in. */
  google: v.union(v.object({ calendarZone: v.string() }), v.null()),
  /** Booked meetings whose Google event was written under another account: written into the connected calendar. */
  rewrite: v.array(v.id("meetings")),
  scopeStart: v.number(),
});
export type Plan = Infer<typeof plan>;

export const pageResult = v.object({
  observed: v.array(v.object({ meetingId: v.id("meetings"), ...planned, observation, at: watermark, provider: v.optional(bookingProvider) })),
  found: v.array(v.object({ opportunityId: v.id("opportunities"), provider: keyedProvider, booking: v.union(providerBooking, v.null()) })),
  /** Every planned lookup answered: the lookup cursor may advance. */
  lookupsDone: v.boolean(),
  end: v.union(watermark, v.null()),
  lookupNext: plan.fields.lookupNext,
  /** A provider asked us to slow down (or did not answer): the rest waits for the retry. */
  rateLimited: v.boolean(),
});
export type PageResult = Infer<typeof pageResult>;

export async function syncState(ctx: QueryCtx, agencyId: Id<"agencies">) {
  return await ctx.db
    .query("calendarSyncState")
    .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
    .unique();
}

export async function connectionsOf(ctx: QueryCtx, agencyId: Id<"agencies">) {
  return await ctx.db
    .query("bookingConnections")
    .withIndex("by_agency_and_provider", (q) => q.eq("agencyId", agencyId))
    .take(4);
}

/** The meetings after the watermark, in (meetingTime, _creationTime) order, at most PAGE_SIZE. */
async function meetingsAfter(ctx: QueryCtx, agencyId: Id<"agencies">, scopeStart: number, after: { time: number; creation: number } | null) {
  if (!after || after.time < scopeStart) {
    return await ctx.db
      .query("meetings")
      .withIndex("by_agency_and_time", (q) => q.eq("agencyId", agencyId).gte("meetingTime", scopeStart))
      .take(PAGE_SIZE);
  }
  const tied = await ctx.db
    .query("meetings")
    .withIndex("by_agency_and_time", (q) => q.eq("agencyId", agencyId).eq("meetingTime", after.time).gt("_creationTime", after.creation))
    .take(PAGE_SIZE);
  const later = await ctx.db
    .query("meetings")
    .withIndex("by_agency_and_time", (q) => q.eq("agencyId", agencyId).gt("meetingTime", after.time))
    .take(PAGE_SIZE - tied.length);
  return [...tied, ...later];
}

/**
 * Where Atlas's write of the meeting as it is now (its sequence) stands in the
 * outbox: written, still on its way (or not queued yet), or given up.
 */
async function calendarWrite(ctx: QueryCtx, meeting: Doc<"meetings">): Promise<"written" | "on_its_way" | "given_up"> {
  const row = await ctx.db
    .query("outbox")
    .withIndex("by_key", (q) => q.eq("key", outboxKey.calendarEvent(meeting._id, meeting.sequence)))
    .unique();
  if (row?.status === "sent") return "written";
  return row && ["failed", "unknown", "skipped"].includes(row.status) ? "given_up" : "on_its_way";
}

/** elsewhere: Atlas's event is in another Google account's calendar; the connected one is to get it, not be asked for it. */
type Holder = { check: Check } | { observed: Observation } | { elsewhere: true } | null;

/** Which provider holds the meeting and how to ask it (or what is known without asking); null when none does. */
async function checkFor(
  ctx: QueryCtx,
  meeting: Doc<"meetings">,
  providers: Set<KeyedProvider>,
  google: Doc<"calendarConnections"> | null,
): Promise<Holder> {
  const opportunity = await ctx.db.get("opportunities", meeting.opportunityId);
  const email = opportunity?.email;
  const holder = heldAtProvider(meeting);
  if (holder && meeting.source === "prospect_link") {
    const claim = await ctx.db
      .query("schedulerBookings")
      .withIndex("by_opportunity_and_link", (q) => q.eq("opportunityId", meeting.opportunityId))
      .take(10);
    const link = claim.find((c) => c.meetingId === meeting._id)?.link;
    const parsed = link ? classifySchedulerLink(link) : null;
    const apiBase = parsed?.provider === "calcom" ? parsed.event?.apiBase : undefined;
    return { check: { provider: "calcom", bookingId: meeting.providerBookingId, apiBase, keyed: false, role: "host" } };
  }
  if (holder) return { check: { provider: holder, bookingId: meeting.providerBookingId, email, keyed: true, role: "attendee" } };
  const aiBooked = meeting.source === "ai_call" || meeting.source === "ai_call_live";
  // Atlas writes every meeting to the agency's Google Calendar: the event there is the meeting as the owner sees it.
  if (google && (meeting.googleEventId || aiBooked)) {
    if (google.status === "needs_reauth") return { observed: { kind: "failed", message: "Google Calendar needs reconnecting: the event was not read" } };
    // Reconnected with another account: its calendar answering 404 says nothing about the meeting.
    if (writtenElsewhere(meeting, google)) return { elsewhere: true };
    const write = await calendarWrite(ctx, meeting);
    if (meeting.googleEventId) {
      // Until Atlas's own change reaches Google the event shows the meeting as it was: read, it would undo the change.
      if (write === "on_its_way") return null;
      if (write === "given_up") return { observed: { kind: "failed", message: "Atlas's latest change to the meeting did not reach Google Calendar" } };
      return { check: { provider: "google", bookingId: meeting.googleEventId, keyed: true, role: "attendee" } };
    }
    if (write === "given_up") {
      return { observed: { kind: "missing", details: "the outbox gave up on the meeting's Google Calendar event and none was written" } };
    }
  }
  // Booked by the AI for an agency with its own booking system: that system should hold it too.
  const [provider] = [...providers];
  if (aiBooked && provider && email) {
    return { check: { provider, email, keyed: true, role: "attendee" } };
  }
  return null;
}

export async function planPage(ctx: QueryCtx, agencyId: Id<"agencies">, now: number): Promise<Plan> {
  const state = await syncState(ctx, agencyId);
  const connections = await connectionsOf(ctx, agencyId);
  const providers = new Set(connections.map((c) => c.provider));
  const google = await connectionOf(ctx, agencyId);
  const agency = google ? await ctx.db.get("agencies", agencyId) : null;
  const scopeStart = now - SCOPE_MS - MAX_MEETING_MINUTES * MINUTE;
  const after = state?.afterTime !== undefined ? { time: state.afterTime, creation: state.afterCreation ?? 0 } : null;
  const page = await meetingsAfter(ctx, agencyId, scopeStart, after);
  const meetings = [];
  const rewrite: Id<"meetings">[] = [];
  for (const m of page) {
    const inScope = (m.status === "booked" || m.status === "completed") && meetingEnd(m) >= now - SCOPE_MS;
    const at = { time: m.meetingTime, creation: m._creationTime };
    const holder = inScope ? await checkFor(ctx, m, providers, google) : null;
    if (holder && "elsewhere" in holder) rewrite.push(m._id);
    meetings.push({
      meetingId: m._id,
      meetingTime: m.meetingTime,
      sequence: m.sequence,
      status: m.status,
      check: holder && "check" in holder ? holder.check : null,
      ...(holder && "observed" in holder ? { observed: holder.observed } : {}),
      at,
    });
  }
  const last = page[page.length - 1];
  const end = page.length === PAGE_SIZE && last ? { time: last.meetingTime, creation: last._creationTime } : null;

  const status = state?.lookupStatus ?? "New";
  const lookups: Plan["lookups"] = [];
  let lookupNext: Plan["lookupNext"] = { status, cursor: state?.lookupCursor ?? null };
  if (connections.length > 0) {
    const result = await ctx.db
      .query("opportunities")
      .withIndex("by_agency_and_status", (q) => q.eq("agencyId", agencyId).eq("status", status))
      .paginate({ cursor: state?.lookupCursor ?? null, numItems: LOOKUPS_PER_PAGE });
    for (const o of result.page) if (o.email && !o.doNotCall) lookups.push({ opportunityId: o._id, email: o.email });
    lookupNext = result.isDone
      ? { status: status === "New" ? "Contacted" : "New", cursor: null }
      : { status, cursor: result.continueCursor };
  }
  return {
    meetings,
    end,
    lookups,
    lookupNext,
    connections: connections.map((c) => ({ provider: c.provider, apiKey: c.apiKey, organizationUri: c.organizationUri })),
    google: google && google.status !== "needs_reauth" && agency ? { calendarZone: agency.timeZone } : null,
    rewrite,
    scopeStart,
  };
}

/** Applies what the page learned, each change once, and moves the watermark past what was answered. */
export async function applyPage(ctx: MutationCtx, agencyId: Id<"agencies">, result: PageResult, now: number, rewrite: Id<"meetings">[] = []) {
  let changed = 0;
  let rewritten = 0;
  for (const meetingId of rewrite) if (await queueWriteInConnected(ctx, meetingId)) rewritten++;
  for (const { meetingId, observation: obs, provider, sequence, status } of result.observed) {
    const meeting = await ctx.db.get("meetings", meetingId);
    if (!meeting || (meeting.status !== "booked" && meeting.status !== "completed")) continue;
    // Changed while the providers were asked: the answer is about the meeting as it was; the next pass asks again.
    if (meeting.sequence !== sequence || meeting.status !== status) continue;
    const verdict = decide(meeting, obs, now);
    if (verdict.mismatch) {
      await recordMismatch(
        ctx,
        { agencyId, opportunityId: meeting.opportunityId, meetingId, kind: verdict.mismatch.kind, details: verdict.mismatch.details },
        verdict.mismatch.resolved,
      );
    }
    if (verdict.resolves.length > 0) await resolveMismatches(ctx, meeting.opportunityId, verdict.resolves);
    if (obs.kind === "found" && verdict.verified) {
      // Google's id is the meeting's own event (googleEventId), not a booking at a provider.
      if (!meeting.providerBookingId && provider !== "google") await ctx.db.patch("meetings", meetingId, { providerBookingId: obs.booking.id });
      await markVerified(ctx, meeting, provider);
    }
    if (verdict.change) {
      const fresh = (await ctx.db.get("meetings", meetingId))!;
      if (await applyMeetingChange(ctx, fresh, verdict.change.change, verdict.change.source)) changed++;
    }
  }
  let recorded = 0;
  for (const f of result.found) {
    if (f.booking && (await recordFoundBooking(ctx, f.opportunityId, f.provider, f.booking))) recorded++;
  }
  const state = await syncState(ctx, agencyId);
  const lastAnswered = result.observed[result.observed.length - 1]?.at;
  // Rate-limited: stop after the last meeting answered, so the rest is asked again, never skipped.
  const position = result.rateLimited ? (lastAnswered ?? (state?.afterTime !== undefined ? { time: state.afterTime, creation: state.afterCreation ?? 0 } : null)) : result.end;
  const rateLimited = result.rateLimited ? (state?.rateLimited ?? 0) + 1 : 0;
  const wait = result.rateLimited ? (backoffMs(RECONCILE_RETRY, rateLimited) ?? RECONCILE_RETRY.maxDelayMs) : null;
  const lookups = result.lookupsDone ? result.lookupNext : { status: state?.lookupStatus, cursor: state?.lookupCursor ?? null };
  const fields = {
    agencyId,
    afterTime: position?.time,
    afterCreation: position?.creation,
    lookupStatus: lookups.status,
    lookupCursor: lookups.cursor ?? undefined,
    rateLimited,
    retryAt: wait === null ? undefined : now + wait,
    updatedAt: now,
  };
  if (state) await ctx.db.replace("calendarSyncState", state._id, fields);
  else await ctx.db.insert("calendarSyncState", fields);
  logEvent("reconcile.page", { agencyId, observed: result.observed.length, changed, recorded, rewritten, rateLimited, wait });
  return { changed, recorded, retryInMs: wait };
}

/**
 * Booked meetings in the agency's Google Calendar, through the outbox: one
 * `calendar_event` row per (meeting, sequence), queued beside the invites, so a
 * Google outage delays a change and loses none. The claim builds the write
 * from the meeting as it is then (insert or patch while booked, delete once
 * cancelled) under an event id derived from the meeting id.
 */
import { DateTime } from "luxon";
import type { Doc, Id } from "../../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../../_generated/server";
import { enqueue } from "../outbox/ledger";
import { outboxKey, type CalendarJob } from "../outbox/messages";
import { MINUTE } from "../scheduling/availability";
import { eventIdFor, type CalendarEventBody } from "../providers/googleCalendar";
import { connectionOf } from "./connection";

/** Queues the meeting's current state for the agency's calendar, once per sequence; null without a connection. */
export async function queueCalendarEvent(ctx: MutationCtx, meeting: Doc<"meetings">): Promise<{ outboxId: Id<"outbox">; queued: boolean } | null> {
  if (!(await connectionOf(ctx, meeting.agencyId))) return null;
  return await enqueue(
    ctx,
    {
      key: outboxKey.calendarEvent(meeting._id, meeting.sequence),
      agencyId: meeting.agencyId,
      channel: "google_calendar",
      message: { kind: "calendar_event", meetingId: meeting._id, sequence: meeting.sequence },
    },
    false,
  );
}

/** The meeting's event was written under another Google account than the one connected now: this calendar lacks it. */
export function writtenElsewhere(meeting: Pick<Doc<"meetings">, "googleEventId" | "googleAccountId">, connection: Pick<Doc<"calendarConnections">, "accountId">): boolean {
  return meeting.googleEventId !== undefined && meeting.googleAccountId !== connection.accountId;
}

/**
 * A booked meeting whose event is in another account's calendar is written
 * into the connected one, once per (meeting, sequence, connection): a later
 * change of the meeting queues its own row as usual.
 */
export async function queueWriteInConnected(ctx: MutationCtx, meetingId: Id<"meetings">): Promise<boolean> {
  const meeting = await ctx.db.get("meetings", meetingId);
  if (!meeting || meeting.status !== "booked") return false;
  const connection = await connectionOf(ctx, meeting.agencyId);
  if (!connection || connection.status === "needs_reauth" || !writtenElsewhere(meeting, connection)) return false;
  const { queued } = await enqueue(ctx, {
    key: outboxKey.calendarEventIn(meeting._id, meeting.sequence, connection._id),
    agencyId: meeting.agencyId,
    channel: "google_calendar",
    message: { kind: "calendar_event", meetingId: meeting._id, sequence: meeting.sequence },
  });
  return queued;
}

function wallTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true })!;
}

/** The event as the agency sees it: in the agency's zone, the prospect as attendee (Google sends them nothing). */
export function eventBody(
  meeting: Pick<Doc<"meetings">, "meetingTime" | "durationMinutes">,
  agency: Pick<Doc<"agencies">, "name" | "timeZone">,
  prospect: Pick<Doc<"opportunities">, "name" | "email" | "phone">,
): CalendarEventBody {
  const end = meeting.meetingTime + meeting.durationMinutes * MINUTE;
  return {
    summary: `${agency.name} × ${prospect.name}`,
    description: [`Booked by Atlas for ${agency.name}.`, `Prospect: ${prospect.name}`, `Phone: ${prospect.phone}`, ...(prospect.email ? [`Email: ${prospect.email}`] : [])].join("\n"),
    start: { dateTime: wallTime(meeting.meetingTime, agency.timeZone), timeZone: agency.timeZone },
    end: { dateTime: wallTime(end, agency.timeZone), timeZone: agency.timeZone },
    attendees: prospect.email ? [{ email: prospect.email, displayName: prospect.name }] : [],
  };
}

export type CalendarPlan = { job: CalendarJob } | { skip: string } | { disabled: string };

/**
 * What a claimed calendar row writes now. A newer sequence's row supersedes
 * it; a calendar that needs reconnecting holds it (disabled, sent again on
 * reconnect); a removed connection or meeting leaves nothing to do.
 */
export async function planCalendarWrite(ctx: QueryCtx, row: Doc<"outbox">): Promise<CalendarPlan> {
  if (row.message.kind !== "calendar_event") return { skip: "not a calendar row" };
  const m = row.message;
  if (!process.env.GOOGLE_CLIENT_ID || !process.env.GOOGLE_CLIENT_SECRET) return { disabled: "Google Calendar is not configured (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET)" };
  const meeting = await ctx.db.get("meetings", m.meetingId);
  if (!meeting) return { skip: "meeting not found" };
  if (meeting.sequence > m.sequence) return { skip: `superseded by sequence ${meeting.sequence}` };
  const connection = await connectionOf(ctx, meeting.agencyId);
  if (!connection) return { skip: "no calendar connected" };
  if (connection.status === "needs_reauth") return { disabled: "the calendar needs reconnecting" };
  const base = { channel: "google_calendar" as const, agencyId: meeting.agencyId, calendarId: connection.calendarId, eventId: eventIdFor(meeting._id) };
  if (meeting.status === "cancelled") return { job: { ...base, operation: "cancel" } };
  if (meeting.status !== "booked") return { skip: `meeting ${meeting.status}` };
  const agency = await ctx.db.get("agencies", meeting.agencyId);
  const prospect = await ctx.db.get("opportunities", meeting.opportunityId);
  if (!agency || !prospect) return { skip: "agency or opportunity not found" };
  return { job: { ...base, operation: meeting.googleEventId && !writtenElsewhere(meeting, connection) ? "patch" : "insert", event: eventBody(meeting, agency, prospect) } };
}

/**
 * A write that reached Google: the meeting records its event (the id is the
 * same on every write) and the account whose calendar holds it.
 */
export async function recordEventWritten(ctx: MutationCtx, row: Doc<"outbox">, eventId: string | undefined): Promise<void> {
  if (row.message.kind !== "calendar_event" || !eventId) return;
  const meeting = await ctx.db.get("meetings", row.message.meetingId);
  if (!meeting) return;
  const googleAccountId = (await connectionOf(ctx, meeting.agencyId))?.accountId;
  if (meeting.googleEventId !== eventId || meeting.googleAccountId !== googleAccountId) {
    await ctx.db.patch("meetings", meeting._id, { googleEventId: eventId, googleAccountId });
  }
}

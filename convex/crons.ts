import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Hourly, a few minutes past the busy top of the hour: each agency's digest goes out
// in the hour that is its local digest hour, so DST and half-hour zones need nothing more.
crons.hourly("notification digests", { minuteUTC: 7 }, internal.notifications.sendDigests, {});

/** Outbox rows whose sending action died: emails resent under the same key, Slack/SMS marked unknown (outbox.ts). */
crons.interval("sweep deliveries", { minutes: 5 }, internal.outbox.sweep, {});

/** Calls whose end never reached the webhook are fetched from Vapi (reconcile.ts). */
crons.interval("reconcile calls", { minutes: 5 }, internal.reconcile.run, {});

/** Busy times from every connected Google Calendar, fanned out a page of connections at a time (calendar.ts). */
crons.interval("sync calendars", { minutes: 10 }, internal.calendar.syncAll, {});
/** Meetings checked against the calendars that hold them; bookings on the agency's own link found (calendarSync.ts). */
crons.interval("reconcile meetings", { minutes: 5 }, internal.calendarSync.run, {});

export default crons;

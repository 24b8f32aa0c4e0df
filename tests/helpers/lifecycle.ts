/** Shared by the meeting lifecycle flows: reconciliation runs, a meeting's history, seeded meetings. */
import { internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { property } from "./ics";
import { type Backend, rows, runScheduled } from "./world";

/** The cron's run and everything it schedules, `times` over. */
export async function reconcile(t: Backend, times = 1) {
  for (let i = 0; i < times; i++) {
    await t.mutation(internal.calendarSync.run, {});
    await runScheduled(t);
  }
}

/** One agency's page now, before any other scheduled work (a waiting retry's dial) gets to run. */
export async function syncNow(t: Backend, agencyId: Id<"agencies">) {
  await t.action(internal.calendarSync.syncAgency, { agencyId });
}

export async function historyOf(t: Backend, meetingId: Id<"meetings">) {
  return await t.run((ctx) => ctx.db.query("meetingEvents").withIndex("by_meeting_and_at", (q) => q.eq("meetingId", meetingId)).collect());
}

export async function meetingOf(t: Backend, meetingId: Id<"meetings">): Promise<Doc<"meetings">> {
  const meeting = await t.run((ctx) => ctx.db.get("meetings", meetingId));
  if (!meeting) throw new Error(`meeting ${meetingId} vanished`);
  return meeting;
}

export async function tasksOfType(t: Backend, opportunityId: Id<"opportunities">, type: Doc<"tasks">["type"]) {
  return await t.run((ctx) =>
    ctx.db.query("tasks").withIndex("by_opportunity_and_type", (q) => q.eq("opportunityId", opportunityId).eq("type", type)).collect(),
  );
}

/** Invite rows of the outbox for the meeting: recipient and sequence, once each. */
export async function invitesOf(t: Backend, meetingId: Id<"meetings">) {
  return (await rows(t, "outbox")).flatMap((r) =>
    r.message.kind === "invite" && r.message.meetingId === meetingId ? [{ recipient: r.message.recipient, sequence: r.message.sequence, status: r.status }] : [],
  );
}

/** The METHOD of every invite email Resend delivered. */
export function deliveredMethods(emails: { attachments: { content: string }[] }[]): string[] {
  return emails.flatMap((e) => e.attachments.map((a) => property(a.content, "METHOD") ?? ""));
}

/** A meeting written straight to the table (no booking rules, no history), as older rows were. */
export function meetingFields(agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, meetingTime: number, fields: Partial<Doc<"meetings">> = {}) {
  return { agencyId, opportunityId, meetingTime, durationMinutes: 30, source: "ai_call" as const, status: "booked" as const, sequence: 0, ...fields };
}

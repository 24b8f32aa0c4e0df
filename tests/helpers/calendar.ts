/** Steps of the Google Calendar flows: connect through the real consent callback, book a meeting, read the connection. */
import { expect } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { Backend } from "./backend";
import type { FakeWorld } from "./fakeWorld";

/** The callback as Google's redirect calls it. */
export function callback(t: Backend, params: Record<string, string>) {
  return t.fetch(`/oauth/google/callback?${new URLSearchParams(params).toString()}`, { method: "GET" });
}

/** Staff open calendar.connectUrl's link and consent; Google redirects back with a code. */
export async function connectCalendar(t: Backend, world: FakeWorld, agencyId: Id<"agencies">) {
  const url = new URL(await t.mutation(internal.calendar.connectUrl, { agencyId }));
  const res = await callback(t, { state: url.searchParams.get("state")!, code: world.google.issueCode(), scope: "email" });
  expect(res.status).toBe(200);
}

export async function connectionOf(t: Backend, agencyId: Id<"agencies">) {
  return await t.run((ctx) => ctx.db.query("calendarConnections").withIndex("by_agency", (q) => q.eq("agencyId", agencyId)).unique());
}

/** The agency's stored busy blocks, earliest first, as ISO instants. */
export async function busyBlocks(t: Backend, agencyId: Id<"agencies">) {
  const rows = await t.run((ctx) => ctx.db.query("calendarBusy").withIndex("by_agency_and_end", (q) => q.eq("agencyId", agencyId)).collect());
  return rows
    .sort((a, b) => a.start - b.start)
    .map((r) => ({ start: new Date(r.start).toISOString(), end: new Date(r.end).toISOString(), source: r.source }));
}


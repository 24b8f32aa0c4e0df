/** The bench's connected calendar: the busy blocks a full Google Calendar leaves in calendarBusy. */
import type { IndexedStore } from "./indexedStore";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * 500 busy blocks in the 7 days from `now` (Saturday 10:00 New York, EST): two hour-long meetings each
 * working day (10:00 and 14:00), Thursday blocked all day, and the rest 10-minute blocks every
 * 11 minutes from 18:00 each evening into the early morning.
 */
export function busyBlocks(now: number): { start: number; end: number }[] {
  const blocks: { start: number; end: number }[] = [];
  for (let day = 2; day < 7; day++) {
    const ten = now + day * DAY; // Monday to Friday
    blocks.push({ start: ten, end: ten + HOUR }, { start: ten + 4 * HOUR, end: ten + 5 * HOUR });
  }
  blocks.push({ start: now + 5 * DAY - 10 * HOUR, end: now + 6 * DAY - 10 * HOUR }); // Thursday 00:00 to Friday 00:00
  for (let i = 0; blocks.length < 500; i++) {
    const start = now + (i % 7) * DAY + 8 * HOUR + Math.floor(i / 7) * 11 * MINUTE; // from 18:00, Saturday to Friday
    blocks.push({ start, end: start + 10 * MINUTE });
  }
  return blocks;
}

/** How many of the agency's stored blocks overlap [from, to), read back through the index availability reads. */
export async function blocksBetween(store: IndexedStore, agencyId: string, from: number, to: number): Promise<number> {
  const rows = await store.db
    .query("calendarBusy")
    .withIndex("by_agency_and_end", (q) => q.eq("agencyId", agencyId).gt("end", from))
    .collect();
  return rows.filter((b) => (b.start as number) < to).length;
}

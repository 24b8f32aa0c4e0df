import { describe, expect, test } from "vitest";
import { mergeIntervals, subtractIntervals } from "../../../convex/model/calendar/busy";
import { stateRefusal, syncDue } from "../../../convex/model/calendar/connection";
import type { Doc } from "../../../convex/_generated/dataModel";

const i = (start: number, end: number) => ({ start, end });

describe("busy intervals", () => {
  test("merge joins overlapping and touching intervals and drops empty ones", () => {
    expect(mergeIntervals([i(5, 7), i(1, 3), i(3, 4), i(6, 9), i(10, 10)])).toEqual([i(1, 4), i(5, 9)]);
  });

  test("an own meeting is cut out of a block: before, after, inside, covering", () => {
    expect(subtractIntervals([i(0, 10)], [i(0, 4)])).toEqual([i(4, 10)]);
    expect(subtractIntervals([i(0, 10)], [i(6, 10)])).toEqual([i(0, 6)]);
    expect(subtractIntervals([i(0, 10)], [i(3, 5)])).toEqual([i(0, 3), i(5, 10)]);
    expect(subtractIntervals([i(2, 4)], [i(0, 10)])).toEqual([]);
    expect(subtractIntervals([i(0, 10), i(20, 30)], [i(5, 25)])).toEqual([i(0, 5), i(25, 30)]);
    expect(subtractIntervals([i(0, 10)], [i(12, 14)])).toEqual([i(0, 10)]);
    expect(subtractIntervals([i(0, 10)], [i(2, 3), i(2.5, 4), i(6, 7)])).toEqual([i(0, 2), i(4, 6), i(7, 10)]);
  });
});

describe("connection rules", () => {
  const state = (fields: Partial<Doc<"oauthStates">>) => ({ expiresAt: 1000, ...fields }) as Doc<"oauthStates">;
  test("a state is refused when unknown, used or expired", () => {
    expect(stateRefusal(null, 0)).toBe("unknown");
    expect(stateRefusal(state({ usedAt: 5 }), 10)).toBe("used");
    expect(stateRefusal(state({}), 1000)).toBe("expired");
    expect(stateRefusal(state({}), 999)).toBeNull();
  });

  test("blocks are due for a sync after ten minutes, never for a connection that needs reconnecting", () => {
    const c = (fields: Partial<Doc<"calendarConnections">>) => ({ status: "connected", ...fields }) as Doc<"calendarConnections">;
    expect(syncDue(null, 0)).toBe(false);
    expect(syncDue(c({}), 0)).toBe(true);
    expect(syncDue(c({ lastSyncedAt: 0 }), 599_999)).toBe(false);
    expect(syncDue(c({ lastSyncedAt: 0 }), 600_000)).toBe(true);
    expect(syncDue(c({ status: "error", lastSyncedAt: 0 }), 600_000)).toBe(true);
    expect(syncDue(c({ status: "needs_reauth" }), 600_000)).toBe(false);
  });
});

/** The mutation builder's routing: only registered tables pay for Triggers' reads. */
import { describe, expect, test } from "vitest";
import { triggeredOnly } from "../../convex/functions";
import type { MutationCtx } from "../../convex/_generated/server";

type Db = MutationCtx["db"];

function recordingDb(name: string, log: string[]): Db {
  const op = (kind: string) => async (...args: unknown[]) => void log.push(`${name}.${kind}(${args.length})`);
  return { patch: op("patch"), replace: op("replace"), delete: op("delete"), insert: op("insert"), get: op("get") } as unknown as Db;
}

describe("triggeredOnly", () => {
  test("table-named writes to other tables skip Triggers; calls and id-only writes keep them", async () => {
    const log: string[] = [];
    const db = triggeredOnly(recordingDb("plain", log), recordingDb("triggers", log), new Set(["calls"]));
    const anyDb = db as unknown as Record<string, (...a: unknown[]) => Promise<void>>;
    await anyDb.patch("notificationItems", "id1", { state: "digested" });
    await anyDb.replace("tasks", "id2", {});
    await anyDb.delete("callMessages", "id3");
    await anyDb.patch("calls", "id4", { outcome: "booked" });
    await anyDb.delete("calls", "id5");
    // Without a table name Triggers itself finds whether the id belongs to a registered table.
    await anyDb.patch("id6", { outcome: "booked" });
    await anyDb.insert("calls", {});
    expect(log).toEqual([
      "plain.patch(3)",
      "plain.replace(3)",
      "plain.delete(2)",
      "triggers.patch(3)",
      "triggers.delete(2)",
      "triggers.patch(2)",
      "triggers.insert(2)",
    ]);
  });
});

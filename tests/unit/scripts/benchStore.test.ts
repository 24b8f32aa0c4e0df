/**
 * The bench's transactional store (scripts/txStore.ts) must run the real mutations, which go through
 * convex/functions.ts's trigger-wrapped builder: if it cannot, `digest_1000_agencies_ok` prints 0.
 */
import { expect, test } from "vitest";
import { internal } from "../../../convex/_generated/api";
import * as notificationsModule from "../../../convex/notifications";
import { nextDigestAt } from "../../../convex/model/notifications/events";
import { TxStore } from "../../../scripts/txStore";

test("the bench's transactional store can run sendDigests (the trigger-wrapped mutation builder)", async () => {
  const store = new TxStore({ notifications: notificationsModule });
  const due = Date.parse("2026-11-23T13:07:00Z");
  const agencyId = store.insert("agencies", { name: "A", timeZone: "America/New_York" });
  store.insert("notificationSettings", {
    agencyId,
    digestHour: 8,
    digestTimeZone: "America/New_York",
    dedupeWindowMinutes: 1440,
    nextDigestAt: nextDigestAt(due - 3_600_000, "America/New_York", 8),
  });
  await store.runMutation(internal.notifications.sendDigests, { dueBy: due }).catch(() => undefined);
  expect(store.transactions.map((t) => t.error)).toEqual([undefined]);
});

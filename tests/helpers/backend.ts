/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import schema from "../../convex/schema";

export const modules = import.meta.glob("../../convex/**/*.*s");

/** `transactionLimits: true` enforces Convex's per-transaction limits (documents, bytes). */
export function newBackend(opts: { transactionLimits?: boolean } = {}) {
  return convexTest({ schema, modules, ...opts });
}

export type Backend = ReturnType<typeof newBackend>;

/** Every outbox row (invites, prospect emails, notifications), oldest first. */
export async function outboxRows(t: Backend) {
  return await t.run((ctx) => ctx.db.query("outbox").collect());
}

/** The outbox's staff notifications, their message fields alongside the row's and `kind` the channel, as staff views list them. */
export async function notificationRows(t: Backend) {
  return (await outboxRows(t)).flatMap((row) =>
    row.message.kind === "notification" ? [{ ...row, ...row.message, kind: row.channel }] : [],
  );
}

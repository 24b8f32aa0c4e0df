/**
 * The mutation builder every module uses (eslint forbids the raw one): writes
 * to `calls` go through Triggers, so the funnel's counters follow every change
 * of a call's vapiCallId, outcome, cost, direction or dial time, a call that
 * ends gives its pacing line back, and a campaign member's state (and its
 * campaign's counters) follow its call, whichever mutation makes the change.
 */
import { customCtx, customMutation } from "convex-helpers/server/customFunctions";
import { Triggers } from "convex-helpers/server/triggers";
import type { DataModel } from "./_generated/dataModel";
// eslint-disable-next-line no-restricted-imports
import { internalMutation as rawInternalMutation, type MutationCtx } from "./_generated/server";
import { sameFunnelShare } from "./model/calls/funnel";
import { syncFunnel } from "./model/calls/funnelCounters";
import { syncCallUsage } from "./model/usage";
import { lineFollowsCall } from "./model/calls/dialGate";
import { syncMemberWithCall } from "./model/campaigns/members";

const triggers = new Triggers<DataModel>();
triggers.register("calls", async (ctx, change) => {
  // Most writes (status, timestamps, analysis) leave the share as it was: no reads for them.
  if (sameFunnelShare(change.oldDoc, change.newDoc)) return;
  await syncFunnel(ctx.innerDb, change.id, change.newDoc);
});
// Billing usage follows each call's connected time and cost (model/usage.ts); no reads unless they change.
triggers.register("calls", async (ctx, change) => {
  await syncCallUsage(ctx.innerDb, change.oldDoc, change.newDoc);
});
// The pacing gate's line follows its call (model/calls/dialGate.ts); a campaign member follows its call.
triggers.register("calls", (ctx, change) => lineFollowsCall(ctx, change.id, change.oldDoc, change.newDoc));
triggers.register("calls", async (ctx, change) => {
  if (change.newDoc?.campaignMemberId) await syncMemberWithCall(ctx, change.oldDoc, change.newDoc);
});

type Db = MutationCtx["db"];
type Writer = (...args: unknown[]) => Promise<unknown>;

/**
 * Triggers reads a document before and after every table-named patch, replace
 * and delete, registered table or not: route the other tables' writes to the
 * plain db so a digest batch or a transcript insert costs no extra reads.
 */
export function triggeredOnly(db: Db, withTriggers: Db, triggered: ReadonlySet<string>): Db {
  const route = (name: "patch" | "replace" | "delete", tableNamedArgs: number): Writer => (...args) => {
    const plain = args.length === tableNamedArgs && typeof args[0] === "string" && !triggered.has(args[0]);
    return ((plain ? db : withTriggers)[name] as unknown as Writer)(...args);
  };
  return { ...withTriggers, patch: route("patch", 3), replace: route("replace", 3), delete: route("delete", 2) } as Db;
}

export const internalMutation = customMutation(
  rawInternalMutation,
  customCtx((ctx) => ({ db: triggeredOnly(ctx.db, triggers.wrapDB(ctx).db, new Set(Object.keys(triggers.registered))) })),
);

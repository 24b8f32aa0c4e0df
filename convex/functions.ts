/**
 * The mutation builder every module uses (eslint forbids the raw one): writes
 * to `calls` go through Triggers, so the funnel's counters follow every change
 * of a call's vapiCallId, outcome, cost, direction or dial time, whichever
 * mutation makes it.
 */
import { customCtx, customMutation } from "convex-helpers/server/customFunctions";
import { Triggers } from "convex-helpers/server/triggers";
import type { DataModel } from "./_generated/dataModel";
// eslint-disable-next-line no-restricted-imports
import { internalMutation as rawInternalMutation } from "./_generated/server";
import { sameFunnelShare } from "./model/funnel";
import { syncFunnel } from "./model/funnelCounters";

const triggers = new Triggers<DataModel>();
triggers.register("calls", async (ctx, change) => {
  // Most writes (status, timestamps, analysis) leave the share as it was: no reads for them.
  if (sameFunnelShare(change.oldDoc, change.newDoc)) return;
  await syncFunnel(ctx.innerDb, change.id, change.newDoc);
});

export const internalMutation = customMutation(rawInternalMutation, customCtx(triggers.wrapDB));

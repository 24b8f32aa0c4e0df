import type { MutationCtx } from "../_generated/server";
import type { Doc, Id } from "../_generated/dataModel";
import { logEvent } from "./log";

export type TaskType = Doc<"tasks">["type"];

export interface NewTask {
  agencyId: Id<"agencies">;
  opportunityId: Id<"opportunities">;
  callId?: Id<"calls">;
  type: TaskType;
  reason: string;
  details?: unknown;
}

/**
 * Records follow-up work for a person. Deduplicated: an open task of the same type
 * for the same call (or, with `perOpportunity`, for the same opportunity) is reused,
 * so a webhook delivered five times leaves one task.
 */
export async function openTask(
  ctx: MutationCtx,
  task: NewTask,
  opts: { perOpportunity?: boolean } = {},
): Promise<Id<"tasks">> {
  const open = await ctx.db
    .query("tasks")
    .withIndex("by_opportunity_and_type", (q) => q.eq("opportunityId", task.opportunityId).eq("type", task.type))
    .collect();
  const same = open.find((t) => t.status === "open" && (opts.perOpportunity || t.callId === task.callId));
  if (same) return same._id;
  const id = await ctx.db.insert("tasks", { ...task, status: "open" });
  logEvent("task.opened", { taskId: id, type: task.type, opportunityId: task.opportunityId, callId: task.callId });
  return id;
}

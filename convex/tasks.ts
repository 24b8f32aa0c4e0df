import { ConvexError, v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { internalMutation } from "./functions";
import type { Id } from "./_generated/dataModel";
import { taskType } from "./schema";
import { taskDetails } from "./model/tasks";
import { listLimit } from "./model/paging";
import { logEvent } from "./model/log";

const taskStatus = v.union(v.literal("open"), v.literal("done"));
const MAX_NOTE_CHARS = 2000;

/** An agency's tasks, newest first, by status and type when given; with the prospect's name. */
export const list = internalQuery({
  args: { agencyId: v.id("agencies"), status: v.optional(taskStatus), type: v.optional(taskType), limit: v.optional(v.number()) },
  returns: v.array(
    v.object({
      taskId: v.id("tasks"),
      createdAt: v.number(),
      type: taskType,
      status: taskStatus,
      reason: v.string(),
      details: v.optional(taskDetails),
      opportunityId: v.id("opportunities"),
      opportunityName: v.string(),
      callId: v.optional(v.id("calls")),
      completedAt: v.optional(v.number()),
      note: v.optional(v.string()),
    }),
  ),
  handler: async (ctx, { agencyId, status, type, limit }) => {
    const n = listLimit(limit, 50, 200);
    const tasks =
      type !== undefined
        ? await ctx.db
            .query("tasks")
            .withIndex("by_agency_type_and_status", (q) => {
              const byType = q.eq("agencyId", agencyId).eq("type", type);
              return status !== undefined ? byType.eq("status", status) : byType;
            })
            .order("desc")
            .take(n)
        : await ctx.db
            .query("tasks")
            .withIndex("by_agency_and_status", (q) => (status !== undefined ? q.eq("agencyId", agencyId).eq("status", status) : q.eq("agencyId", agencyId)))
            .order("desc")
            .take(n);
    const names = new Map<Id<"opportunities">, string>();
    for (const t of tasks) {
      if (!names.has(t.opportunityId)) names.set(t.opportunityId, (await ctx.db.get("opportunities", t.opportunityId))?.name ?? "");
    }
    return tasks.map((t) => ({
      taskId: t._id,
      createdAt: t._creationTime,
      type: t.type,
      status: t.status,
      reason: t.reason,
      details: t.details,
      opportunityId: t.opportunityId,
      opportunityName: names.get(t.opportunityId)!,
      callId: t.callId,
      completedAt: t.completedAt,
      note: t.note,
    }));
  },
});

/** Staff close a task, with a note. Completing it again changes nothing (the first note stays). */
export const complete = internalMutation({
  args: { taskId: v.id("tasks"), note: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { taskId, note }) => {
    const task = await ctx.db.get("tasks", taskId);
    if (!task) throw new ConvexError(`task ${taskId} not found`);
    const text = note?.trim();
    if (text !== undefined && text.length > MAX_NOTE_CHARS) throw new ConvexError(`note is longer than ${MAX_NOTE_CHARS} characters`);
    if (task.status === "done") return null;
    await ctx.db.patch("tasks", taskId, { status: "done", completedAt: Date.now(), ...(text ? { note: text } : {}) });
    logEvent("task.completed", { taskId, type: task.type, opportunityId: task.opportunityId, withNote: !!text });
    return null;
  },
});

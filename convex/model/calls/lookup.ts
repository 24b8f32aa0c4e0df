import type { MutationCtx, QueryCtx } from "../../_generated/server";
import type { Doc, Id } from "../../_generated/dataModel";

/** Finds our call from a webhook: by Vapi call id, else by the metadata call id. */
export async function findCall(
  ctx: MutationCtx,
  ref: { vapiCallId?: string; callId?: string },
): Promise<Doc<"calls"> | null> {
  if (ref.vapiCallId) {
    const byVapi = await ctx.db
      .query("calls")
      .withIndex("by_vapi_call_id", (q) => q.eq("vapiCallId", ref.vapiCallId))
      .unique();
    if (byVapi) return byVapi;
  }
  const id = ref.callId ? ctx.db.normalizeId("calls", ref.callId) : null;
  if (!id) return null;
  const call = await ctx.db.get("calls", id);
  // A metadata id must not hijack a call already tied to another Vapi call.
  if (call && call.vapiCallId && ref.vapiCallId && call.vapiCallId !== ref.vapiCallId) return null;
  return call;
}

/** A call's messages in order (bounded by MAX_STORED_MESSAGES when stored). */
export async function loadTranscript(ctx: QueryCtx, callId: Id<"calls">) {
  return await ctx.db
    .query("callMessages")
    .withIndex("by_call_and_seq", (q) => q.eq("callId", callId))
    .collect();
}

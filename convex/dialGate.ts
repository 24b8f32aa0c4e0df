/** The pacing gate's pump (model/calls/dialGate.ts): scheduled when a line frees or a waiting dial falls due. */
import { v } from "convex/values";
import { internalMutation } from "./functions";
import { pumpDials } from "./model/calls/dialGate";
import { grantDial } from "./model/calls/dialGrant";

export const pump = internalMutation({
  args: {},
  returns: v.object({ granted: v.number(), dropped: v.number(), free: v.number() }),
  handler: async (ctx) => await pumpDials(ctx, grantDial),
});

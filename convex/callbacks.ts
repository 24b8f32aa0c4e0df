import { v } from "convex/values";
import { internalMutation } from "./functions";
import { saveTextBackSettings } from "./model/texts/textBack";

// ---- Missed-call text-back and booking confirmations by text (model/texts/) ----

/**
 * Staff turn missed-call text-back on or off: one SMS to a caller whose inbound
 * call never became a conversation, `delaySeconds` (default 30) after it ended;
 * `text` replaces the default wording (the agency's name and, when it has one,
 * its bookingLink); `confirmBookings` (default false) also texts the prospect
 * each booked, rescheduled or cancelled meeting. Refused values name the field;
 * nothing is written then.
 */
export const configureTextBack = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    enabled: v.boolean(),
    delaySeconds: v.optional(v.number()),
    text: v.optional(v.string()),
    confirmBookings: v.optional(v.boolean()),
  },
  returns: v.id("textBackSettings"),
  handler: async (ctx, { agencyId, ...input }) => await saveTextBackSettings(ctx, agencyId, input),
});

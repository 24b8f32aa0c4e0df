import { v } from "convex/values";
import { internalAction } from "./_generated/server";
import { logEvent } from "./model/log";

// Placeholder until the confirmation email lands (issue 2 item 7, in progress on a branch).
export const sendBookingConfirmation = internalAction({
  args: { meetingId: v.id("meetings") },
  returns: v.null(),
  handler: async (_ctx, { meetingId }) => {
    logEvent("confirmation.pending", { meetingId });
    return null;
  },
});

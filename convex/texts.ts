/**
 * Text messages (SMS through Twilio, sent by the outbox): the agency's sending
 * number and own Twilio account, the scheduled missed-call text-back, and the
 * staff view of every text with its status. Queueing a text from other code is
 * model/texts/ledger.ts `queueText`.
 */
import { ConvexError, v } from "convex/values";
import { internalAction, internalQuery } from "./_generated/server";
import { internal } from "./_generated/api";
import { internalMutation } from "./functions";
import schema from "./schema";
import { smsChannel } from "./model/channels/sms";
import { DestinationError } from "./model/channels/shared";
import { sealSecret, settingsError } from "./model/notifications/configuration";
import { listLimit } from "./model/paging";
import { toE164 } from "./model/scheduling/phone";
import { logEvent } from "./model/log";
import { sendingNumber } from "./model/texts/ledger";
import { afterFailedAnswer, sendDueTextBack } from "./model/texts/textBack";

/** The agency's current sending number, for configureSms; null when there is no such agency. */
export const senderOf = internalQuery({
  args: { agencyId: v.id("agencies") },
  returns: v.union(v.null(), v.object({ sendingNumber: v.union(v.string(), v.null()) })),
  handler: async (ctx, { agencyId }) => {
    const agency = await ctx.db.get("agencies", agencyId);
    return agency ? { sendingNumber: sendingNumber(agency) ?? null } : null;
  },
});

/**
 * Staff set the number the agency's texts come from (default: its inbound
 * number) and, optionally, the agency's own Twilio account (default: the
 * deployment's TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN). The account is checked
 * with Twilio and stored encrypted; nothing is stored when anything is refused.
 */
export const configureSms = internalAction({
  args: {
    agencyId: v.id("agencies"),
    smsFromNumber: v.optional(v.string()),
    twilioAccountSid: v.optional(v.string()),
    twilioAuthToken: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { agencyId, smsFromNumber, twilioAccountSid, twilioAuthToken }): Promise<null> => {
    const sender = await ctx.runQuery(internal.texts.senderOf, { agencyId });
    if (!sender) throw new ConvexError("agencyId does not name an agency");
    if (smsFromNumber === undefined && twilioAccountSid === undefined && twilioAuthToken === undefined) {
      throw new ConvexError("give smsFromNumber, or twilioAccountSid with twilioAuthToken");
    }
    try {
      const from = smsFromNumber === undefined ? undefined : toE164(smsFromNumber, "US", "smsFromNumber");
      let account: { sealed: string; secretMask: string } | undefined;
      if (twilioAccountSid !== undefined || twilioAuthToken !== undefined) {
        if (twilioAccountSid === undefined) throw new DestinationError("twilioAccountSid is required with twilioAuthToken");
        if (twilioAuthToken === undefined) throw new DestinationError("twilioAuthToken is required with twilioAccountSid");
        const fromNumber = from ?? sender.sendingNumber;
        if (!fromNumber) throw new DestinationError("smsFromNumber is required: the agency has no inboundPhoneNumber to text from");
        const checked = smsChannel.check(fromNumber, { twilioAccountSid, twilioAuthToken, twilioFromNumber: fromNumber });
        const refused = await smsChannel.verify(checked.secret!);
        if (refused) throw new ConvexError(`${refused}; nothing was stored`);
        account = { sealed: await sealSecret(checked.secret), secretMask: checked.secretMask! };
      }
      await ctx.runMutation(internal.texts.storeSmsSettings, { agencyId, smsFromNumber: from, ...account });
    } catch (e) {
      if (e instanceof ConvexError) throw e;
      settingsError(e);
    }
    return null;
  },
});

/** Stores what configureSms checked and sealed (call that, not this). */
export const storeSmsSettings = internalMutation({
  args: {
    agencyId: v.id("agencies"),
    smsFromNumber: v.optional(v.string()),
    sealed: v.optional(v.string()),
    secretMask: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { agencyId, smsFromNumber, sealed, secretMask }) => {
    if (smsFromNumber !== undefined) await ctx.db.patch("agencies", agencyId, { smsFromNumber });
    if (sealed !== undefined && secretMask !== undefined) {
      const existing = await ctx.db
        .query("agencySmsCredentials")
        .withIndex("by_agency", (q) => q.eq("agencyId", agencyId))
        .unique();
      if (existing) await ctx.db.replace("agencySmsCredentials", existing._id, { agencyId, sealed, secretMask });
      else await ctx.db.insert("agencySmsCredentials", { agencyId, sealed, secretMask });
    }
    logEvent("sms.configured", { agencyId, fromNumber: smsFromNumber !== undefined, ownAccount: sealed !== undefined });
    return null;
  },
});

/** A missed call's delay is over: one text-back, unless the rules say otherwise (the reason is recorded). */
export const sendTextBack = internalMutation({
  args: { textId: v.id("texts") },
  returns: v.null(),
  handler: async (ctx, { textId }) => {
    await sendDueTextBack(ctx, textId);
    return null;
  },
});

/** Vapi heard an error from our assistant-request answer: the caller is owed a text-back. */
export const noteFailedAnswer = internalMutation({
  args: { vapiCallId: v.string(), calledNumber: v.optional(v.string()), callerNumber: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, args) => {
    await afterFailedAnswer(ctx, args);
    return null;
  },
});

const textRow = v.object({ _id: v.id("texts"), _creationTime: v.number(), ...schema.tables.texts.validator.fields });

/** An agency's texts, newest first, with their status and why any was skipped or failed. */
export const list = internalQuery({
  args: { agencyId: v.id("agencies"), limit: v.optional(v.number()) },
  returns: v.array(textRow),
  handler: async (ctx, { agencyId, limit }) => {
    return await ctx.db
      .query("texts")
      .withIndex("by_agency_and_created", (q) => q.eq("agencyId", agencyId))
      .order("desc")
      .take(listLimit(limit, 50, 200));
  },
});


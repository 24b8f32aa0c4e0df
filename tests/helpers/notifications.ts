/** Shared by the notification flow tests: the seeded world they start from, destinations and events. */
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { NotificationEvent } from "../../convex/model/notifications/events";
import { notificationRows } from "./backend";
import { type Backend, setupWorld } from "./world";

export const SLACK_TOKEN = "xoxb-1111-2222-SECRETslackTOKENabcd";
export const TWILIO_SID = "AC0123456789abcdef0123456789abcdef";
export const TWILIO_TOKEN = "twilioAuthTokenSECRET9876";

export const SLACK_AUTH = /^https:\/\/slack\.com\/api\/auth\.test$/;
export const SLACK_POST = /^https:\/\/slack\.com\/api\/chat\.postMessage$/;
export const TWILIO_ACCOUNT = new RegExp(`^https://api\\.twilio\\.com/2010-04-01/Accounts/${TWILIO_SID}\\.json$`);
export const TWILIO_MESSAGES = new RegExp(`^https://api\\.twilio\\.com/2010-04-01/Accounts/${TWILIO_SID}/Messages\\.json$`);
export const RESEND = /^https:\/\/api\.resend\.com\/emails$/;

/** The seeded world in July 2025: Brightline meets Tue 10:00-12:00 and has no address, Dana has none either; emails off until a test turns them on. */
export function seed(now = Date.parse("2025-07-14T15:00:00Z")) {
  return setupWorld({
    now,
    env: { RESEND_API_KEY: "", EMAIL_FROM: "" },
    agency: { availability: ["Tue 10:00-12:00"], email: undefined },
    prospect: { name: "Dana", phone: "(201) 555-0123", email: undefined },
  });
}

export function saveSlack(t: Backend, agencyId: Id<"agencies">, channel = "C0SALES") {
  return t.action(internal.notifications.saveDestination, { agencyId, kind: "slack", target: channel, slackBotToken: SLACK_TOKEN });
}

/** An SMS destination with Twilio credentials (checked with Twilio's fake when saved). */
export function saveSms(t: Backend, agencyId: Id<"agencies">) {
  return t.action(internal.notifications.saveDestination, {
    agencyId,
    kind: "sms",
    target: "(201) 555-0150",
    twilioAccountSid: TWILIO_SID,
    twilioAuthToken: TWILIO_TOKEN,
    twilioFromNumber: "+12015550100",
  });
}

export function event(agencyId: Id<"agencies">, opportunityId: Id<"opportunities">, e: NotificationEvent, text = "Dana (Acme)") {
  return { agencyId, opportunityId, event: e, text };
}

export const deliveries = notificationRows;


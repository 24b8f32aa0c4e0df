/** Twilio's side of the fake world (fakeWorld.ts routes to it): the Messages API's resources and error bodies. */

export const TWILIO_MESSAGES = /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

/** A text as Twilio accepted it. */
export interface Text {
  accountSid: string;
  to: string;
  from: string;
  body: string;
  sid: string;
}

/** Twilio's error answer: HTTP status and Twilio's error code (twilio.com/docs/api/errors). */
export class TwilioError {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly message: string,
  ) {}
}

/** The body Twilio's REST API sends with an error: `{code, message, more_info, status}`. */
export function twilioError(e: TwilioError): { status: number; json: unknown } {
  return { status: e.status, json: { code: e.code, message: e.message, more_info: `https://www.twilio.com/docs/errors/${e.code}`, status: e.status } };
}

/** The Message resource Twilio answers a send with (201), as its API documents it. */
export function twilioMessage(text: Text, now: number) {
  const { accountSid, sid, to, from, body } = text;
  const created = new Date(now).toUTCString().replace("GMT", "+0000");
  return {
    account_sid: accountSid,
    api_version: "2010-04-01",
    body,
    date_created: created,
    date_sent: null,
    date_updated: created,
    direction: "outbound-api",
    error_code: null,
    error_message: null,
    from,
    messaging_service_sid: null,
    num_media: "0",
    num_segments: String(Math.ceil(body.length / 160)),
    price: null,
    price_unit: "USD",
    sid,
    status: "queued",
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
  };
}

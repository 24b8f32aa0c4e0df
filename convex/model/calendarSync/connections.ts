/**
 * The agency's own booking system, connected with an API key: checked against
 * the provider when saved (Cal.com GET /v2/me, Calendly GET /users/me, which
 * also names the organisation Calendly lists events in), then stored encrypted.
 * Errors name the field and the provider's status, never the key.
 */
import { ConvexError } from "convex/values";
import { CalcomError, calcomMe } from "../providers/calcom";
import { CalendlyError, calendlyMe } from "../providers/calendly";
import { isRetryable } from "../retryPolicy";
import type { KeyedProvider } from "../meetings/validators";

const NAMES: Record<KeyedProvider, string> = { calcom: "Cal.com", calendly: "Calendly" };

/** The key as entered, trimmed; a ConvexError names what is wrong without echoing it. */
export function cleanApiKey(apiKey: string): string {
  const key = apiKey.trim();
  if (key.length === 0) throw new ConvexError("apiKey is empty");
  if (key.length > 2000) throw new ConvexError("apiKey is longer than 2000 characters");
  if (/\s/.test(key)) throw new ConvexError("apiKey contains whitespace");
  return key;
}

/** Asks the provider who the key belongs to; throws a ConvexError when it is refused or cannot be checked. */
export async function verifyApiKey(provider: KeyedProvider, apiKey: string): Promise<{ organizationUri?: string }> {
  try {
    if (provider === "calcom") {
      await calcomMe(apiKey);
      return {};
    }
    const me = await calendlyMe(apiKey);
    return { organizationUri: me.organizationUri };
  } catch (e) {
    if (!(e instanceof CalcomError || e instanceof CalendlyError)) throw e;
    const status = e.statusCode;
    if (isRetryable({ status: status ?? null })) {
      throw new ConvexError(`apiKey could not be checked: ${NAMES[provider]} did not answer (${status ?? "no reply"}); try again`);
    }
    throw new ConvexError(`apiKey was refused by ${NAMES[provider]} (HTTP ${status})`);
  }
}

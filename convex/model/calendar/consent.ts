/**
 * The OAuth callback's work: refuse a Google error or an unknown, expired or
 * spent `state` without writing anything; otherwise spend the state (the
 * agency comes from it alone), exchange the code, learn which Google account
 * was connected, and store the tokens encrypted. The page shown never echoes a parameter.
 */
import { internal } from "../../_generated/api";
import type { ActionCtx } from "../../_generated/server";
import { logEvent } from "../log";
import { exchangeCode, GoogleConfigError, missingScopes, oauthClientFromEnv, primaryCalendarId } from "../providers/googleCalendar";
import { encryptSecret, SecretError } from "../secrets";

export type ConsentOutcome =
  | { ok: true }
  | { ok: false; status: 400 | 500 | 502; message: string };

const refused = (message: string): ConsentOutcome => ({ ok: false, status: 400, message });

export async function completeConsent(
  ctx: ActionCtx,
  p: { code: string | null; state: string | null; error: string | null },
): Promise<ConsentOutcome> {
  if (p.error !== null) {
    logEvent("calendar.consent_refused", { reason: "google_error" });
    return refused("Google did not grant access to the calendar. Nothing was changed; ask for a new link to try again.");
  }
  if (!p.state || !p.code) return refused("This link is incomplete. Ask for a new connect link.");
  let client;
  try {
    client = oauthClientFromEnv(process.env);
  } catch (e) {
    if (e instanceof GoogleConfigError) return { ok: false, status: 500, message: "Google Calendar is not configured on this deployment." };
    throw e;
  }
  const spent = await ctx.runMutation(internal.calendar.consumeState, { state: p.state });
  if ("refused" in spent) {
    logEvent("calendar.consent_refused", { reason: `state_${spent.refused}` });
    return refused("This connect link is invalid, expired or already used. Ask for a new link.");
  }
  const { agencyId } = spent;
  const grant = await exchangeCode(client, p.code, Date.now());
  if (!grant.ok) {
    logEvent("calendar.consent_failed", { agencyId, error: grant.failure.error });
    return { ok: false, status: 502, message: "Google did not accept the sign-in. Ask for a new connect link and try again." };
  }
  const missing = missingScopes(grant.value.scopes);
  if (missing.length > 0) {
    logEvent("calendar.consent_failed", { agencyId, error: "scopes_missing", missing: missing.length });
    return refused("Atlas needs both calendar permissions (events, free/busy). Ask for a new link and leave both ticked.");
  }
  // Which account was connected: the primary calendar's id (an email: stored, never logged) when Google
  // says. When it does not (our two scopes may not cover calendars.get), this consent gets its own
  // marker: it may be another account, so booked meetings' events are written into it once (a 409
  // there means the event is already in it) instead of reading a 404 as "deleted".
  const account = await primaryCalendarId(grant.value.accessToken);
  if (!account.ok) logEvent("calendar.account_unknown", { agencyId, error: account.failure.error });
  const accountId = account.ok ? account.value : `consent:${spent.consentId}`;
  let sealed;
  try {
    sealed = {
      sealedAccessToken: await encryptSecret(grant.value.accessToken),
      sealedRefreshToken: grant.value.refreshToken ? await encryptSecret(grant.value.refreshToken) : undefined,
    };
  } catch (e) {
    if (e instanceof SecretError) return { ok: false, status: 500, message: "Tokens cannot be stored encrypted on this deployment (ATLAS_ENCRYPTION_KEY)." };
    throw e;
  }
  const saved = await ctx.runMutation(internal.calendar.saveConnection, { agencyId, ...sealed, accessTokenExpiresAt: grant.value.expiresAt, accountId });
  if (saved === "no_refresh_token") {
    return refused("Google sent no long-lived access. Remove Atlas at myaccount.google.com/permissions, then use a new connect link.");
  }
  return { ok: true };
}

export function callbackPage(outcome: ConsentOutcome): Response {
  const [status, title, text] = outcome.ok
    ? [200, "Connected", "Your Google Calendar is connected to Atlas. You can close this page."]
    : [outcome.status, "Not connected", outcome.message];
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

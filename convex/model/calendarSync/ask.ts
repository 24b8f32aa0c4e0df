/**
 * The page's provider calls (in the action, never in a mutation or on the webhook
 * path): each planned meeting asked of the entry that holds it, each prospect
 * looked up in each connected account. A 429, a 5xx or no reply stops the page
 * where it is (the shared retry policy decides when it resumes), as do Google's
 * quota refusals (403 rateLimitExceeded / userRateLimitExceeded); a refusal for
 * good (bad key, no access, a Google calendar that needs reconnecting) is an
 * answer: the meeting is unverifiable.
 */
import { decryptSecret } from "../secrets";
import { isRetryable } from "../retryPolicy";
import type { KeyedProvider } from "../meetings/validators";
import { bookingAt, bookingToRecord, type Observation } from "./decide";
import { PROVIDERS, SyncProviderError, type Access } from "./providers";
import type { Check, PageResult, Plan } from "./page";

class RateLimited extends Error {}

/** The agency's Google Calendar as model/calendar/access.ts opens it: refreshed token, lease, needs_reauth and all. */
export interface GoogleSession {
  open(): Promise<{ token: string; calendarId: string } | { stopped: string } | { retry: string }>;
  /** Google refused the token (401): it is refreshed before the next use. */
  refused(): Promise<void>;
}

/** Google's access, opened once per page and only when a meeting needs it. */
function googleAccess(plan: Plan, session: GoogleSession | undefined) {
  let opened: Promise<{ access: Access } | { stopped: string }> | undefined;
  return (): Promise<{ access: Access } | { stopped: string }> =>
    (opened ??= (async () => {
      if (!plan.google || !session) return { stopped: "Google Calendar is not connected" };
      const a = await session.open();
      if ("retry" in a) throw new RateLimited();
      if ("stopped" in a) return { stopped: `Google Calendar: ${a.stopped}` };
      return { access: { apiKey: a.token, calendarId: a.calendarId, calendarZone: plan.google.calendarZone } };
    })());
}

export async function askProviders(plan: Plan, session?: GoogleSession): Promise<PageResult> {
  const access = new Map<KeyedProvider, Access>();
  for (const c of plan.connections) {
    access.set(c.provider, { apiKey: await decryptSecret(c.apiKey), organizationUri: c.organizationUri });
  }
  const google = googleAccess(plan, session);
  const result: PageResult = { observed: [], found: [], lookupsDone: false, end: plan.end, lookupNext: plan.lookupNext, rateLimited: false };
  try {
    for (const item of plan.meetings) {
      const obs = item.check
        ? item.check.provider === "google"
          ? await observeGoogle(item.check, google, session)
          : await observe(item.check, item.meetingTime, access)
        : (item.observed ?? { kind: "unchecked" as const });
      result.observed.push({ meetingId: item.meetingId, sequence: item.sequence, status: item.status, observation: obs, at: item.at, provider: item.check?.provider });
    }
    for (const lookup of plan.lookups) {
      for (const [provider, a] of access) {
        const answer = await call(() => PROVIDERS[provider].findByEmail(a, { role: "attendee", email: lookup.email }));
        if ("refused" in answer) continue;
        const booking = bookingToRecord(answer.value, plan.scopeStart);
        result.found.push({ opportunityId: lookup.opportunityId, provider, booking });
        if (booking) break;
      }
    }
    result.lookupsDone = true;
  } catch (e) {
    if (!(e instanceof RateLimited)) throw e;
    result.rateLimited = true;
  }
  return result;
}

/** The provider's answer, or its refusal for good; throws RateLimited when it must be asked again later. */
async function call<T>(run: () => Promise<T>): Promise<{ value: T } | { refused: SyncProviderError }> {
  try {
    return { value: await run() };
  } catch (e) {
    if (!(e instanceof SyncProviderError)) throw e;
    if (isRetryable({ status: e.statusCode ?? null, code: e.code })) throw new RateLimited();
    return { refused: e };
  }
}

async function observeGoogle(check: Check, google: ReturnType<typeof googleAccess>, session: GoogleSession | undefined): Promise<Observation> {
  const opened = await google();
  if ("stopped" in opened) return { kind: "failed", message: opened.stopped };
  const answer = await call(() => PROVIDERS.google.booking(opened.access, check.bookingId ?? "", { role: check.role }));
  if ("refused" in answer && answer.refused.statusCode === 401) {
    // A token Google no longer takes: refreshed, and this meeting asked again with the rest of the page.
    await session?.refused();
    throw new RateLimited();
  }
  if ("refused" in answer) return { kind: "failed", statusCode: answer.refused.statusCode, message: answer.refused.message };
  return answer.value ? { kind: "found", booking: answer.value } : { kind: "missing" };
}

async function observe(check: Check, meetingTime: number, access: Map<KeyedProvider, Access>): Promise<Observation> {
  const entry = PROVIDERS[check.provider];
  const a: Access | undefined = check.keyed && check.provider !== "google" ? access.get(check.provider) : { apiKey: null, apiBase: check.apiBase };
  if (!a) return { kind: "failed", message: `${check.provider} is not connected: no access to the booking` };
  const prospect = { role: check.role, email: check.email };
  const answer = await call(async () =>
    check.bookingId
      ? await entry.booking(a, check.bookingId, prospect)
      : bookingAt(await entry.findByEmail(a, { ...prospect, email: check.email ?? "" }), meetingTime),
  );
  if ("refused" in answer) return { kind: "failed", statusCode: answer.refused.statusCode, message: answer.refused.message };
  return answer.value ? { kind: "found", booking: answer.value } : { kind: "missing" };
}

/**
 * The page's provider calls (in the action, never in a mutation or on the webhook
 * path): each planned meeting asked of the entry that holds it, each prospect
 * looked up in each connected account. A 429, a 5xx or no reply stops the page
 * where it is (the shared retry policy decides when it resumes); a refusal for
 * good (bad key, no access) is an answer: the meeting is unverifiable.
 */
import { decryptSecret } from "../secrets";
import { isRetryable } from "../retryPolicy";
import type { KeyedProvider } from "../meetings/validators";
import { bookingAt, bookingToRecord, type Observation } from "./decide";
import { PROVIDERS, SyncProviderError, type Access } from "./providers";
import type { Check, PageResult, Plan } from "./page";

class RateLimited extends Error {}

export async function askProviders(plan: Plan): Promise<PageResult> {
  const access = new Map<KeyedProvider, Access>();
  for (const c of plan.connections) {
    access.set(c.provider, { apiKey: await decryptSecret(c.apiKey), organizationUri: c.organizationUri });
  }
  const result: PageResult = { observed: [], found: [], lookupsDone: false, end: plan.end, lookupNext: plan.lookupNext, rateLimited: false };
  try {
    for (const item of plan.meetings) {
      const obs = item.check ? await observe(item.check, item.meetingTime, access) : { kind: "unchecked" as const };
      result.observed.push({ meetingId: item.meetingId, observation: obs, at: item.at, provider: item.check?.provider });
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
    if (isRetryable({ status: e.statusCode ?? null })) throw new RateLimited();
    return { refused: e };
  }
}

async function observe(check: Check, meetingTime: number, access: Map<KeyedProvider, Access>): Promise<Observation> {
  const entry = PROVIDERS[check.provider];
  const a: Access | undefined = check.keyed ? access.get(check.provider) : { apiKey: null, apiBase: check.apiBase };
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

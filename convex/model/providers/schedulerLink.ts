/**
 * A scheduling link a prospect gives us ("book on my Cal.com"): which provider it is
 * and, for Cal.com, the public event it names. Pure: no network, no database.
 */

import { v, type Infer } from "convex/values";

export const schedulerProvider = v.union(
  v.literal("calcom"),
  v.literal("calendly"),
  v.literal("hubspot"),
  v.literal("google"),
  v.literal("other"),
);
export type SchedulerProvider = Infer<typeof schedulerProvider>;

/** A provider's refusal as a task records it: its HTTP status, if any, and its message. */
export const providerFailure = v.object({ statusCode: v.optional(v.number()), message: v.string() });
export type ProviderFailure = Infer<typeof providerFailure>;

/** How staff read each provider's name in a task. */
export const PROVIDER_NAMES: Record<SchedulerProvider, string> = {
  calcom: "Cal.com",
  calendly: "Calendly",
  hubspot: "HubSpot",
  google: "Google appointment",
  other: "Scheduler",
};

/** A public Cal.com event type: enough to read its slots and book it without a key. */
export interface CalcomEvent {
  /** The API host of the link's region: cal.eu accounts live on api.cal.eu. */
  apiBase: "https://api.cal.com" | "https://api.cal.eu";
  username: string;
  eventTypeSlug: string;
  /** An organisation's links live on `<org>.cal.com`; its users are only found together with the org's slug. */
  organizationSlug?: string;
}

export type SchedulerLink =
  /** `event` is null for a Cal.com page that names no single bookable event (a profile, a team page). */
  | { provider: "calcom"; url: string; event: CalcomEvent | null }
  | { provider: Exclude<SchedulerProvider, "calcom">; url: string };

export class SchedulerLinkError extends Error {}

const CALCOM_HOSTS: Record<string, CalcomEvent["apiBase"]> = {
  "cal.com": "https://api.cal.com",
  "www.cal.com": "https://api.cal.com",
  "app.cal.com": "https://api.cal.com",
  "cal.eu": "https://api.cal.eu",
  "www.cal.eu": "https://api.cal.eu",
  "app.cal.eu": "https://api.cal.eu",
};

/** Subdomains of cal.com / cal.eu that are Cal.com's own sites, not organisations. */
const CALCOM_OWN_SUBDOMAINS = new Set(["www", "app", "api", "docs", "status", "help", "blog", "go", "console", "i"]);

/** First path segments on Cal.com that are product pages, not users. */
const CALCOM_RESERVED = new Set([
  "api", "apps", "auth", "availability", "blog", "booking", "bookings", "d", "docs", "event-types",
  "login", "org", "pricing", "reschedule", "settings", "signup", "team", "teams", "video", "workflows",
]);

const SLUG = /^[A-Za-z0-9._+-]+$/;

/**
 * Parses what the prospect said into a URL. A link read out on a call usually comes
 * back without a scheme ("cal.com/dana/intro"), so a bare host gets https://; any
 * other scheme (mailto:, javascript:, ftp:) is refused.
 */
function parseHttpUrl(raw: string): URL {
  const text = raw.trim();
  const bareHost = /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?([/?#]|$)/i.test(text);
  const withScheme = bareHost ? `https://${text}` : text;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new SchedulerLinkError("link is not a URL");
  }
  // Errors name the field, never the link: it came from a call and may carry anything (errors reach Convex's logs).
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new SchedulerLinkError("link must be an http(s) URL");
  }
  if (!url.hostname.includes(".")) throw new SchedulerLinkError("link has no real host");
  // A link carrying credentials is not a public booking page, and we must not store them.
  if (url.username || url.password) throw new SchedulerLinkError("link carries credentials");
  return url;
}

function pathSegments(url: URL): string[] {
  return url.pathname
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** The API host and, for `<org>.cal.com`, the organisation of a Cal.com page; null for any other host. */
function calcomHost(host: string): { apiBase: CalcomEvent["apiBase"]; organizationSlug?: string } | null {
  const apiBase = CALCOM_HOSTS[host];
  if (apiBase) return { apiBase };
  const org = /^([a-z0-9][a-z0-9-]*)\.(cal\.com|cal\.eu)$/.exec(host);
  if (!org || CALCOM_OWN_SUBDOMAINS.has(org[1])) return null;
  return { apiBase: CALCOM_HOSTS[org[2]], organizationSlug: org[1] };
}

function calcomEvent(url: URL, site: { apiBase: CalcomEvent["apiBase"]; organizationSlug?: string }): CalcomEvent | null {
  const [username, eventTypeSlug, ...rest] = pathSegments(url);
  if (!username || !eventTypeSlug || rest.length > 0) return null;
  if (CALCOM_RESERVED.has(username.toLowerCase())) return null;
  if (!SLUG.test(username) || !SLUG.test(eventTypeSlug)) return null;
  return { ...site, username, eventTypeSlug };
}

function isGoogleAppointmentPage(url: URL): boolean {
  if (url.hostname === "calendar.app.google") return pathSegments(url).length > 0;
  // calendar.google.com/calendar/appointments/... and the signed-in /calendar/u/0/appointments/...
  return url.hostname === "calendar.google.com" && /^\/calendar\/(u\/\d+\/)?appointments\//.test(url.pathname);
}

/** Classifies a prospect's scheduling link; throws SchedulerLinkError for anything that is not an http(s) URL. */
export function classifySchedulerLink(raw: string): SchedulerLink {
  const parsed = parseHttpUrl(raw);
  const host = parsed.hostname.toLowerCase();
  const url = parsed.toString();

  const calcom = calcomHost(host);
  if (calcom) return { provider: "calcom", url, event: calcomEvent(parsed, calcom) };
  if (host === "calendly.com" || host.endsWith(".calendly.com")) return { provider: "calendly", url };
  // meetings.hubspot.com, and regional hosts such as meetings-eu1.hubspot.com.
  if (/^meetings(-[a-z0-9]+)?\.hubspot\.com$/.test(host)) return { provider: "hubspot", url };
  if (isGoogleAppointmentPage(parsed)) return { provider: "google", url };
  return { provider: "other", url };
}

/** The link as a usable URL (a link read out on a call may lack its scheme), or null. */
export function usableLink(text: string | null | undefined): string | null {
  if (!text?.trim()) return null;
  try {
    return classifySchedulerLink(text).url;
  } catch {
    return null;
  }
}

// The full metadata: only it tells a mobile or toll-free number from a fixed line.
import { parsePhoneNumberWithError } from "libphonenumber-js/max";
import { v, type Infer } from "convex/values";
import { COUNTRY_ZONES, PREFIX_ZONES, ZONES } from "./data/phoneZones";

/** Where an opportunity's `timeZone` came from: staff gave it, or Atlas read it from the phone number. */
export const timeZoneSource = v.union(v.literal("given"), v.literal("inferred_from_number"));
export type TimeZoneSource = Infer<typeof timeZoneSource>;

/** The most zones one number can ring in per the data (all of +1's, 42): `possibleTimeZones` never holds more. */
export const MAX_POSSIBLE_ZONES = 48;

/** "key i,j,k" lines -> key -> zone names. */
function parseLines(text: string): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const [key, indexes] = line.split(" ");
    if (indexes) table.set(key, indexes.split(",").map((i) => ZONES[Number(i)]));
  }
  return table;
}

/** Parsed on first use: modules that never look a number up do not pay for it. */
let tables: { prefixes: Map<string, string[]>; countries: Map<string, string[]>; longestPrefix: number } | undefined;
function phoneZoneTables() {
  if (!tables) {
    const prefixes = parseLines(PREFIX_ZONES);
    tables = { prefixes, countries: parseLines(COUNTRY_ZONES), longestPrefix: Math.max(...[...prefixes.keys()].map((p) => p.length)) };
  }
  return tables;
}

/** Calling codes whose mobile numbers are tied to a place too (libphonenumber's GEO_MOBILE_COUNTRIES): MX, AR, BR, ID, CN. */
const GEO_MOBILE_CALLING_CODES = new Set(["52", "54", "55", "62", "86"]);

/**
 * The IANA zones a phone number can ring in, the most common first: for a fixed
 * line, those of its longest known prefix (a US area code, an Australian range);
 * for a number not tied to a place (a mobile in most countries, toll-free) or an
 * unknown prefix, all of its country's zones. This is libphonenumber's own rule.
 * Empty when the data knows nothing of the number.
 */
export function zonesForNumber(e164: string): string[] {
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(e164);
  } catch {
    return [];
  }
  const { prefixes, countries, longestPrefix } = phoneZoneTables();
  const digits = parsed.number.slice(1);
  const code = parsed.countryCallingCode;
  const type = parsed.getType();
  const placed =
    type === "FIXED_LINE" || type === "FIXED_LINE_OR_MOBILE" || (type === "MOBILE" && GEO_MOBILE_CALLING_CODES.has(code));
  for (let n = placed ? Math.min(digits.length, longestPrefix) : 0; n > code.length; n--) {
    const zones = prefixes.get(digits.slice(0, n));
    if (zones) return [...zones];
  }
  // Only the calling code is known: a code shared by several countries (+1, +7) answers with the number's own country.
  const zones = (parsed.country && countries.get(parsed.country)) ?? prefixes.get(code) ?? [];
  return [...zones];
}

export interface ProspectZoneFields {
  /** The zone the prospect hears times in. */
  timeZone?: string;
  timeZoneSource?: TimeZoneSource;
  /** Every zone the number could ring in, when more than one: calling hours hold in all of them. */
  possibleTimeZones?: string[];
}

/**
 * What to store for a prospect nobody gave a zone: the zones of their number. When
 * it could ring in several, the one they hear times in is the agency's when it is
 * among them (a local business calling local people), else the most common one.
 */
export function inferredZoneFields(phone: string, agencyZone: string): ProspectZoneFields {
  const zones = zonesForNumber(phone);
  if (zones.length === 0) return {};
  return {
    timeZone: zones.includes(agencyZone) ? agencyZone : zones[0],
    timeZoneSource: "inferred_from_number",
    ...(zones.length > 1 ? { possibleTimeZones: zones } : {}),
  };
}

/**
 * The zone a prospect hears times in and the zones their phone may ring in (calling
 * hours). A given zone is the only one; an opportunity stored before zones were
 * inferred is inferred now, the same way; with nothing known, the agency's zone.
 */
export function resolveProspectZones(
  opportunity: ProspectZoneFields & { phone: string },
  agencyZone: string,
): { zone: string; callingZones: string[] } {
  const known = opportunity.timeZone !== undefined || opportunity.timeZoneSource !== undefined;
  const fields = known ? opportunity : inferredZoneFields(opportunity.phone, agencyZone);
  const zone = fields.timeZone ?? agencyZone;
  const possible = fields.timeZoneSource === "given" ? undefined : fields.possibleTimeZones;
  return { zone, callingZones: possible?.length ? possible : [zone] };
}

/** The one zone the prospect hears times in (offers, labels, emails): given, else inferred, else the agency's. */
export function hearingZone(opportunity: ProspectZoneFields & { phone: string }, agencyZone: string): string {
  return resolveProspectZones(opportunity, agencyZone).zone;
}

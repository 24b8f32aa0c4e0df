import { describe, expect, test } from "vitest";
import { DateTime } from "luxon";
import { COUNTRY_ZONES, PREFIX_ZONES, ZONES } from "../../convex/model/scheduling/data/phoneZones";
import { inferredZoneFields, MAX_POSSIBLE_ZONES, resolveProspectZones, zonesForNumber } from "../../convex/model/scheduling/prospectZone";
import { CALLING_END_HOUR, CALLING_START_HOUR, nextCallingMoment } from "../../convex/model/scheduling/callingHours";

const US_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"];

describe("zonesForNumber", () => {
  test.each([
    ["New Jersey (201)", "+12015550123", ["America/New_York"]],
    ["Chicago (312)", "+13125550187", ["America/Chicago"]],
    ["Honolulu (808)", "+18085550123", ["Pacific/Honolulu"]],
    ["Toronto (416)", "+14165550123", ["America/Toronto"]],
    ["Vancouver (604)", "+16045550123", ["America/Vancouver"]],
    ["Regina (306), no DST", "+13065550123", ["America/Regina"]],
    ["London fixed line (20)", "+442079460000", ["Europe/London"]],
    ["Sydney fixed line (02)", "+61291234567", ["Australia/Sydney"]],
    ["Brisbane fixed line (07 31)", "+61731234567", ["Australia/Brisbane"]],
    ["Moscow fixed line (495)", "+74951234567", ["Europe/Moscow"]],
    ["Vladivostok fixed line (423)", "+74232123456", ["Asia/Vladivostok"]],
    ["Sao Paulo mobile: Brazilian mobiles keep their area code", "+5511987654321", ["America/Sao_Paulo"]],
    ["Jakarta fixed line (21)", "+62215551234", ["Asia/Jakarta"]],
  ])("%s: the zone of its area code", (_name, phone, zones) => {
    expect(zonesForNumber(phone)).toEqual(zones);
  });

  test("an area code spanning two zones gives both (Idaho's 208: Pacific and Mountain)", () => {
    expect(zonesForNumber("+12085550123").sort()).toEqual(["America/Boise", "America/Los_Angeles"]);
  });

  test("Western Australia and South Australia share 08: both zones", () => {
    expect(zonesForNumber("+61893456789").sort()).toEqual(["Australia/Adelaide", "Australia/Perth"]);
  });

  test("a US toll-free number (no area) gives the United States' zones, not Guam's, Puerto Rico's or Canada's", () => {
    const zones = zonesForNumber("+18005550123");
    expect(zones).toEqual(expect.arrayContaining(US_ZONES));
    for (const foreign of ["Pacific/Guam", "Pacific/Pago_Pago", "America/Puerto_Rico", "America/Toronto", "America/St_Johns"]) {
      expect(zones).not.toContain(foreign);
    }
  });

  test("an Australian mobile is not tied to a place: every Australian zone", () => {
    const zones = zonesForNumber("+61412345678");
    expect(zones).toEqual(expect.arrayContaining(["Australia/Sydney", "Australia/Brisbane", "Australia/Adelaide", "Australia/Perth", "Australia/Lord_Howe"]));
  });

  test("a Russian mobile can ring from Kaliningrad's neighbours to Kamchatka", () => {
    expect(zonesForNumber("+79161234567")).toEqual(expect.arrayContaining(["Europe/Moscow", "Asia/Vladivostok", "Asia/Kamchatka"]));
  });

  test("garbage gives nothing", () => {
    expect(zonesForNumber("not a number")).toEqual([]);
    expect(zonesForNumber("+999123")).toEqual([]);
  });
});

describe("the generated data", () => {
  const lists = [PREFIX_ZONES, COUNTRY_ZONES].flatMap((text) =>
    text
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ")[1].split(",").map((i) => ZONES[Number(i)])),
  );

  test("names only zones Luxon knows, and no list is longer than MAX_POSSIBLE_ZONES", () => {
    expect(lists.length).toBeGreaterThan(3000);
    for (const zones of lists) {
      expect(zones.length).toBeGreaterThan(0);
      expect(zones.length).toBeLessThanOrEqual(MAX_POSSIBLE_ZONES);
      for (const zone of zones) expect(DateTime.now().setZone(zone).isValid, zone).toBe(true);
    }
  });

  test("every list has a moment inside calling hours in all its zones, in January and in July", () => {
    const distinct = new Map(lists.map((zones) => [zones.join(","), zones]));
    for (const zones of distinct.values()) {
      for (const at of [Date.parse("2027-01-15T00:00:00Z"), Date.parse("2027-07-15T00:00:00Z")]) {
        const next = nextCallingMoment(at, zones);
        for (const zone of zones) {
          const hour = DateTime.fromMillis(next, { zone }).hour;
          expect(hour >= CALLING_START_HOUR && hour < CALLING_END_HOUR, `${zones.join(",")} at ${zone}`).toBe(true);
        }
      }
    }
  });
});

describe("the zone stored for a prospect", () => {
  test("one zone: stored with its source, nothing else", () => {
    expect(inferredZoneFields("+12015550123", "Europe/London")).toEqual({
      timeZone: "America/New_York",
      timeZoneSource: "inferred_from_number",
    });
  });

  test("several zones: all kept; they hear times in the agency's zone when it is one of them", () => {
    const fields = inferredZoneFields("+18005550123", "America/Chicago");
    expect(fields).toMatchObject({ timeZone: "America/Chicago", timeZoneSource: "inferred_from_number" });
    expect(fields.possibleTimeZones).toEqual(zonesForNumber("+18005550123"));
  });

  test("several zones, none the agency's: the most common of them", () => {
    expect(inferredZoneFields("+61412345678", "America/New_York").timeZone).toBe(zonesForNumber("+61412345678")[0]);
  });

  test("an unknown number stores nothing", () => {
    expect(inferredZoneFields("+999123", "America/New_York")).toEqual({});
  });

  test("a given zone is the only one, whatever the number", () => {
    expect(resolveProspectZones({ phone: "+18005550123", timeZone: "Europe/Paris", timeZoneSource: "given" }, "America/New_York")).toEqual({
      zone: "Europe/Paris",
      callingZones: ["Europe/Paris"],
    });
  });

  test("an inferred zone with several possibilities: calling hours in all of them", () => {
    const stored = inferredZoneFields("+61893456789", "America/New_York");
    expect(resolveProspectZones({ phone: "+61893456789", ...stored }, "America/New_York")).toEqual({
      zone: stored.timeZone,
      callingZones: stored.possibleTimeZones,
    });
  });

  test("an opportunity stored before zones were inferred is inferred when read; an unknown number falls back to the agency", () => {
    expect(resolveProspectZones({ phone: "+12015550123" }, "Europe/London")).toEqual({
      zone: "America/New_York",
      callingZones: ["America/New_York"],
    });
    expect(resolveProspectZones({ phone: "+999123" }, "Europe/London")).toEqual({ zone: "Europe/London", callingZones: ["Europe/London"] });
    // A zone stored without a source (older rows) was given by staff.
    expect(resolveProspectZones({ phone: "+12015550123", timeZone: "Asia/Tokyo" }, "Europe/London").callingZones).toEqual(["Asia/Tokyo"]);
  });
});

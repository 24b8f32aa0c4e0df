import { describe, expect, test } from "vitest";
import { leadInput, readProspect, readWith } from "../../convex/model/prospects";
import { readImportRows } from "../../convex/model/importRows";

describe("reading a prospect", () => {
  test("normalises the phone, trims, and treats null or empty optional fields as absent", () => {
    expect(readProspect({ name: "  Priya  ", phone: "(201) 555-0142", email: null, timeZone: "", source: " ads ", extra: { any: 1 } })).toEqual({
      ok: true,
      value: { name: "Priya", phone: "+12015550142", source: "ads" },
    });
  });

  test("every error at once, by field, never with the value", () => {
    const read = readWith(leadInput, { name: "x".repeat(201), phone: 2015550142, email: "a@b", timeZone: "Nowhere/Zq7", callNow: "yes" });
    expect(read).toEqual({
      ok: false,
      errors: [
        { field: "name", reason: "is longer than 200 characters" },
        { field: "phone", reason: "must be a string" },
        { field: "callNow", reason: "must be a boolean" },
        { field: "email", reason: "is not a valid address" },
        { field: "timeZone", reason: "is not a known IANA time zone (e.g. America/New_York)" },
      ],
    });
    expect(JSON.stringify(read)).not.toMatch(/Zq7|2015550142|a@b/);
  });

  test("an import keeps every valid row and names each problem by row", () => {
    const { valid, invalid } = readImportRows([{ name: "A", phone: "+12015550101" }, { phone: "+12015550102" }, null]);
    expect(valid).toEqual([{ name: "A", phone: "+12015550101" }]);
    expect(invalid).toEqual([
      { row: 1, field: "name", reason: "is required" },
      { row: 2, field: "body", reason: "must be a JSON object" },
    ]);
  });
});

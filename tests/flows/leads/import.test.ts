/**
 * opportunities.importMany: a CRM export of mixed rows (valid, already known, repeated, invalid),
 * idempotent by phone, written in bounded chunks.
 */
import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { IMPORT_CHUNK, MAX_IMPORT_ROWS } from "../../../convex/model/importRows";
import { DANA_PHONE, rows, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

describe("opportunities.importMany", () => {
  test("mixed rows: created, existing (known and repeated numbers), invalid by row, field and reason", async () => {
    const { t, agencyId } = await setupWorld();
    const result = await t.action(internal.opportunities.importMany, {
      agencyId,
      rows: [
        { name: "Lee Park", phone: "+12015550188", email: "lee@park.example", source: "webinar" },
        { name: "Dana again", phone: "(201) 555-0123" }, // the seeded prospect, written another way
        { name: "Sam Okoro", phone: "+442079460958", timeZone: "Europe/London", email: null },
        { name: "Lee twice", phone: "201-555-0188" }, // repeated in the same file
        { name: "No phone" },
        { name: "Bad everything", phone: "12345", email: "zq7kx at example", timeZone: "Mars/Zq7Kx" },
        "not a row",
        { name: 42, phone: "+12015550199" },
      ],
    });
    expect(result.created).toBe(2);
    expect(result.existing).toBe(2);
    expect(result.invalid).toEqual([
      { row: 4, field: "phone", reason: "is required" },
      { row: 5, field: "phone", reason: "is not a valid number for US" },
      { row: 5, field: "email", reason: "is not a valid address" },
      { row: 5, field: "timeZone", reason: "is not a known IANA time zone (e.g. America/New_York)" },
      { row: 6, field: "body", reason: "must be a JSON object" },
      { row: 7, field: "name", reason: "must be a string" },
    ]);
    expect(JSON.stringify(result)).not.toMatch(/zq7kx|Zq7Kx|12345/);
    const all = await rows(t, "opportunities");
    expect(all).toHaveLength(3);
    expect(all.filter((o) => o.phone === DANA_PHONE)).toHaveLength(1);
    expect(all.find((o) => o.phone === "+12015550188")).toMatchObject({ name: "Lee Park", source: "import", leadSource: "webinar", status: "New" });
    expect(all.find((o) => o.phone === "+442079460958")).toMatchObject({ timeZone: "Europe/London", timeZoneSource: "given" });

    // Run again: nothing new.
    const again = await t.action(internal.opportunities.importMany, { agencyId, rows: [{ name: "Lee Park", phone: "+12015550188" }] });
    expect(again).toEqual({ created: 0, existing: 1, invalid: [] });
  });

  test("a large import is written in chunks, each transaction inside Convex's limits", async () => {
    const { t, agencyId } = await setupWorld({ transactionLimits: true });
    const n = IMPORT_CHUNK + 137; // two chunks
    const phones = Array.from({ length: n }, (_, i) => `+1201555${String(2000 + i).padStart(4, "0")}`);
    const result = await t.action(internal.opportunities.importMany, {
      agencyId,
      rows: phones.map((phone, i) => ({ name: `Prospect ${i}`, phone })),
    });
    expect(result).toEqual({ created: n, existing: 0, invalid: [] });
    expect(await rows(t, "opportunities")).toHaveLength(n + 1);
    // Half of it again, plus new rows: only the new ones are written.
    const more = await t.action(internal.opportunities.importMany, {
      agencyId,
      rows: [...phones.slice(0, 200), "+12015559991", "+12015559992"].map((phone, i) => ({ name: `Again ${i}`, phone })),
    });
    expect(more).toEqual({ created: 2, existing: 200, invalid: [] });
    // Each transaction takes one bounded chunk.
    const oversized = phones.slice(0, IMPORT_CHUNK + 1).map((phone) => ({ name: "x", phone }));
    await expect(t.mutation(internal.opportunities.importChunk, { agencyId, prospects: oversized })).rejects.toThrow(/more than 500 rows/);
  });

  test("refuses more rows than one call may carry, and an unknown agency, writing nothing", async () => {
    const { t, agencyId } = await setupWorld();
    const tooMany = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => ({ name: "x", phone: `+1201555${String(i % 10_000).padStart(4, "0")}` }));
    await expect(t.action(internal.opportunities.importMany, { agencyId, rows: tooMany })).rejects.toThrow(/at most 8192/);
    const gone = await t.mutation(internal.agencies.create, { name: "Gone", timeZone: "UTC", availability: ["Mon 09:00-10:00"] });
    await t.run((ctx) => ctx.db.delete("agencies", gone));
    await expect(t.action(internal.opportunities.importMany, { agencyId: gone, rows: [{ name: "Lee", phone: "+12015550188" }] })).rejects.toThrow(/not found/);
    expect(await rows(t, "opportunities")).toHaveLength(1);
  });
});

import { describe, expect, test } from "vitest";
import { keyPrefix, newApiKey, ratePerMinute, sameDigest, sha256Hex, takeRateSlot } from "../../convex/model/apiKeys";

describe("API keys", () => {
  test("a new key is long, random and carries its visible prefix", () => {
    const a = newApiKey();
    const b = newApiKey();
    expect(a.key).toMatch(/^atlas_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.key.startsWith(`${a.prefix}_`)).toBe(true);
    expect(keyPrefix(a.key)).toBe(a.prefix);
    expect(a.key).not.toBe(b.key);
    expect(a.prefix).not.toBe(b.prefix);
  });

  test("only well-formed keys have a prefix", () => {
    for (const bad of ["", "atlas_", "atlas_0123456789ab", "atlas_0123456789ab_short", `sk_0123456789ab_${"a".repeat(43)}`, `atlas_0123456789AB_${"a".repeat(43)}`]) {
      expect(keyPrefix(bad), bad).toBeNull();
    }
  });

  test("digests: SHA-256 hex, compared whole", async () => {
    const digest = await sha256Hex("abc");
    expect(digest).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sameDigest(digest, digest.slice())).toBe(true);
    expect(sameDigest(digest, digest.slice(0, -1) + "e")).toBe(false);
    expect(sameDigest(digest, "e" + digest.slice(1))).toBe(false);
    expect(sameDigest(digest, digest.slice(0, -1))).toBe(false);
    expect(sameDigest(digest, "")).toBe(false);
  });

  test("fixed one-minute windows: the limit, then a wait until the next window", () => {
    const start = Date.parse("2026-11-21T15:00:00Z");
    let key: { windowStart?: number; windowCount?: number } = {};
    for (let i = 1; i <= 3; i++) {
      const slot = takeRateSlot(key, start + i * 1000, 3);
      expect(slot).toEqual({ allowed: true, windowStart: start, windowCount: i });
      if (slot.allowed) key = slot;
    }
    expect(takeRateSlot(key, start + 45_500, 3)).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect(takeRateSlot(key, start + 60_000, 3)).toEqual({ allowed: true, windowStart: start + 60_000, windowCount: 1 });
  });

  test("the limit is 60 a minute unless LEAD_API_RATE_PER_MINUTE says otherwise", () => {
    expect(ratePerMinute({})).toBe(60);
    expect(ratePerMinute({ LEAD_API_RATE_PER_MINUTE: "120" })).toBe(120);
    expect(ratePerMinute({ LEAD_API_RATE_PER_MINUTE: "lots" })).toBe(60);
  });
});

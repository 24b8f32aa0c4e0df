import { describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { sha256Hex } from "../../../convex/model/apiKeys";
import { apiKeyFor } from "../../helpers/leads";
import { rows, setupWorld } from "../../helpers/world";

vi.setConfig({ testTimeout: 60_000 });

describe("apiKeys", () => {
  test("create shows the key once; only its hash and prefix are stored; list and revoke carry no key material", async () => {
    const { t, agencyId } = await setupWorld();
    const { keyId, key } = await apiKeyFor(t, agencyId, " Zapier ");
    const [stored] = await rows(t, "apiKeys");
    expect(stored).toMatchObject({ _id: keyId, agencyId, label: "Zapier", hash: await sha256Hex(key), prefix: key.split("_").slice(0, 2).join("_") });
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(JSON.stringify(stored)).not.toContain(key.slice(stored.prefix.length + 1));

    const listed = await t.query(internal.apiKeys.list, { agencyId });
    expect(listed).toEqual([{ keyId, label: "Zapier", prefix: stored.prefix, createdAt: stored.createdAt }]);
    await t.mutation(internal.apiKeys.revoke, { keyId });
    const [revoked] = await t.query(internal.apiKeys.list, { agencyId });
    expect(revoked.revokedAt).toBeTypeOf("number");
    expect(Object.keys(revoked)).not.toContain("hash");
    await expect(apiKeyFor(t, agencyId, "  ")).rejects.toThrow(/label is empty/);
  });
});

import { describe, expect, test, vi } from "vitest";
import { decryptSecret, encryptSecret, isEncrypted, SecretError } from "../../convex/model/secrets";

/** 32 random-looking bytes each, base64: two different deployment keys. */
const KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)));
const OTHER_KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 53 + 7) % 256)));
const TOKEN = "xoxb-1111-2222-SECRETslackTOKENabcd";

function flipByte(b64: string, index: number): string {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  bytes[index] ^= 0x01;
  return btoa(String.fromCharCode(...bytes));
}

describe("encryptSecret / decryptSecret", () => {
  test("round trip, as a versioned string that does not contain the plaintext", async () => {
    const stored = await encryptSecret(TOKEN, KEY);
    expect(stored).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(isEncrypted(stored)).toBe(true);
    expect(stored).not.toContain("SECRET");
    expect(atob(stored.split(":")[2])).not.toContain("SECRET");
    expect(atob(stored.split(":")[1])).toHaveLength(12);
    expect(await decryptSecret(stored, KEY)).toBe(TOKEN);
  });

  test("a fresh IV per value: the same plaintext encrypts differently each time", async () => {
    const a = await encryptSecret(TOKEN, KEY);
    const b = await encryptSecret(TOKEN, KEY);
    expect(a.split(":")[1]).not.toBe(b.split(":")[1]);
    expect(a).not.toBe(b);
    expect(await decryptSecret(b, KEY)).toBe(TOKEN);
  });

  test("the wrong key fails, without echoing key or value", async () => {
    const stored = await encryptSecret(TOKEN, KEY);
    const failure = await decryptSecret(stored, OTHER_KEY).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SecretError);
    expect((failure as Error).message).toMatch(/wrong key or altered value/);
    expect((failure as Error).message).not.toContain(OTHER_KEY);
    expect((failure as Error).message).not.toContain(stored.split(":")[2]);
  });

  test("tampered ciphertext or IV fails", async () => {
    const [version, iv, ciphertext] = (await encryptSecret(TOKEN, KEY)).split(":");
    await expect(decryptSecret(`${version}:${iv}:${flipByte(ciphertext, 0)}`, KEY)).rejects.toThrow(SecretError);
    // The last 16 bytes are GCM's tag.
    await expect(decryptSecret(`${version}:${iv}:${flipByte(ciphertext, atob(ciphertext).length - 1)}`, KEY)).rejects.toThrow(SecretError);
    await expect(decryptSecret(`${version}:${flipByte(iv, 3)}:${ciphertext}`, KEY)).rejects.toThrow(SecretError);
    await expect(decryptSecret(`v2:${iv}:${ciphertext}`, KEY)).rejects.toThrow(/not in the v1 format/);
    await expect(decryptSecret(TOKEN, KEY)).rejects.toThrow(/not in the v1 format/);
  });

  test("no key, or a key that is not 32 bytes: refused with an error naming ATLAS_ENCRYPTION_KEY", async () => {
    await expect(encryptSecret(TOKEN, undefined)).rejects.toThrow(/ATLAS_ENCRYPTION_KEY is not set.*openssl rand -base64 32/);
    await expect(encryptSecret(TOKEN, "")).rejects.toThrow(/ATLAS_ENCRYPTION_KEY is not set/);
    await expect(encryptSecret(TOKEN, btoa("too short"))).rejects.toThrow(/ATLAS_ENCRYPTION_KEY must be 32 bytes in base64.*got 9 bytes/);
    await expect(encryptSecret(TOKEN, "not base64 at all!")).rejects.toThrow(/ATLAS_ENCRYPTION_KEY is not valid base64/);
  });

  test("the deployment key comes from ATLAS_ENCRYPTION_KEY by default", async () => {
    vi.stubEnv("ATLAS_ENCRYPTION_KEY", KEY);
    const stored = await encryptSecret(TOKEN);
    expect(await decryptSecret(stored, KEY)).toBe(TOKEN);
    vi.stubEnv("ATLAS_ENCRYPTION_KEY", OTHER_KEY);
    await expect(decryptSecret(stored)).rejects.toThrow(SecretError);
  });
});

/**
 * Secrets at rest: AES-256-GCM through Web Crypto (Convex's default runtime and
 * edge-runtime both have crypto.subtle). The key is ATLAS_ENCRYPTION_KEY, base64
 * of 32 random bytes (`openssl rand -base64 32`). A stored secret is
 * "v1:<iv base64>:<ciphertext base64>" with a fresh 12-byte IV per value, so the
 * Data page shows ciphertext only. GCM's tag makes a wrong key or an altered
 * value fail to decrypt instead of yielding garbage.
 *
 * Encrypt and decrypt in actions (the one that saves, the one that sends): the
 * plaintext never reaches a document, a query result or a log.
 */

const VERSION = "v1";
const IV_BYTES = 12;
const KEY_BYTES = 32;
export const ENCRYPTION_KEY_ENV = "ATLAS_ENCRYPTION_KEY";

/** A missing or malformed key, or a stored value that does not decrypt. Messages never carry key or value. */
export class SecretError extends Error {}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(b64: string, what: string): Uint8Array<ArrayBuffer> {
  let raw: string;
  try {
    raw = atob(b64);
  } catch {
    throw new SecretError(`${what} is not valid base64`);
  }
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

async function importKey(keyBase64: string | undefined): Promise<CryptoKey> {
  if (!keyBase64) {
    throw new SecretError(
      `${ENCRYPTION_KEY_ENV} is not set, so secrets cannot be stored encrypted; set it to 32 random bytes in base64 (openssl rand -base64 32)`,
    );
  }
  const raw = fromBase64(keyBase64.trim(), ENCRYPTION_KEY_ENV);
  if (raw.length !== KEY_BYTES) {
    throw new SecretError(`${ENCRYPTION_KEY_ENV} must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32), got ${raw.length} bytes`);
  }
  return await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

/** True for a value written by encryptSecret (any version this code knows). */
export function isEncrypted(stored: string): boolean {
  return stored.startsWith(`${VERSION}:`);
}

/** Encrypts with the deployment key (or `keyBase64`); throws SecretError when there is no usable key. */
export async function encryptSecret(plaintext: string, keyBase64 = process.env[ENCRYPTION_KEY_ENV]): Promise<string> {
  const key = await importKey(keyBase64);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(plaintext));
  return `${VERSION}:${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
}

/** Decrypts a value from encryptSecret; a wrong key, an altered value or an unknown version throws SecretError. */
export async function decryptSecret(stored: string, keyBase64 = process.env[ENCRYPTION_KEY_ENV]): Promise<string> {
  const parts = stored.split(":");
  if (parts.length !== 3 || parts[0] !== VERSION) throw new SecretError(`stored secret is not in the ${VERSION} format`);
  const key = await importKey(keyBase64);
  const iv = fromBase64(parts[1], "stored secret IV");
  if (iv.length !== IV_BYTES) throw new SecretError("stored secret IV has the wrong length");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, fromBase64(parts[2], "stored secret"));
    return new TextDecoder().decode(plain);
  } catch (e) {
    if (e instanceof SecretError) throw e;
    throw new SecretError(`stored secret does not decrypt with ${ENCRYPTION_KEY_ENV} (wrong key or altered value)`);
  }
}

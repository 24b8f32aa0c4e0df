/**
 * Vapi webhook authentication: a bearer credential (`Authorization: Bearer <secret>`)
 * or the legacy `X-Vapi-Secret` header. Compared in constant time over SHA-256
 * digests (the default runtime has no timingSafeEqual). No secret configured means
 * every request is refused.
 */
async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= da[i] ^ db[i];
  return diff === 0;
}

export async function isAuthorizedWebhook(headers: Headers, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1];
  const candidates = [headers.get("x-vapi-secret"), bearer].filter((c): c is string => !!c);
  let ok = false;
  // Check every candidate so the timing does not reveal which header matched.
  for (const c of candidates) ok = (await constantTimeEqual(c.trim(), secret)) || ok;
  return ok;
}

/** Vapi request failures as Atlas stores them, and the settings every Vapi request needs. */
import { VapiError } from "@vapi-ai/server-sdk";

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Vapi's messages may echo the number dialled; what we store about a failure must not. */
function withoutPhoneNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{5,}\d/g, "[number]");
}

/** A short, secret-free reason from a failed Vapi request. */
export function vapiFailure(e: unknown): { statusCode?: number; message: string } {
  if (e instanceof VapiError) {
    const body = e.body as { message?: unknown; error?: unknown } | undefined;
    const detail = Array.isArray(body?.message) ? body.message.join("; ") : (body?.message ?? body?.error ?? e.message);
    return { statusCode: e.statusCode, message: withoutPhoneNumbers(String(detail)).slice(0, 300) };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { message: withoutPhoneNumbers(`Vapi request failed: ${message}`).slice(0, 300) };
}

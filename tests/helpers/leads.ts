/** POST /api/leads as a CRM sends it, and an API key for the seeded agency. */
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { Backend } from "./backend";

export async function apiKeyFor(t: Backend, agencyId: Id<"agencies">, label = "GoHighLevel") {
  return await t.action(internal.apiKeys.create, { agencyId, label });
}

export function postLead(t: Backend, key: string | null, body: unknown, headers: Record<string, string> = {}) {
  return t.fetch("/api/leads", {
    method: "POST",
    headers: { "content-type": "application/json", ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

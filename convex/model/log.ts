/**
 * Structured logs: one JSON line per decision. Fields are ids, counts, codes and
 * decisions only; the type forbids objects so a transcript or a contact record
 * cannot be passed by accident. Never log phone numbers, emails or message text.
 */
export type LogField = string | number | boolean | null | undefined;

export function logEvent(event: string, fields: Record<string, LogField> = {}): void {
  console.log(JSON.stringify({ event, ...fields }));
}

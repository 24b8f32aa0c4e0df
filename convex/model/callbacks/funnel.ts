/** The callback funnel's counts from messages. Pure. */

/** Messages one funnel read takes (each small): well inside a query's read limits. */
export const MAX_FUNNEL_MESSAGES = 4000;

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function callbackFunnel(messages: { _creationTime: number; status: string; connectedAt?: number }[]) {
  const minutes = messages.flatMap((m) =>
    m.status === "connected" && m.connectedAt !== undefined ? [(m.connectedAt - m._creationTime) / 60_000] : [],
  );
  const middle = median(minutes);
  return {
    messagesTaken: messages.length,
    callbacksConnected: minutes.length,
    medianMinutesToConnection: middle === null ? null : Math.round(middle * 10) / 10,
  };
}

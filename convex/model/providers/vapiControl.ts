/** Vapi's live call control: one POST to the call's control URL. */

export interface TransferOrder {
  controlUrl: string;
  number: string;
  callerId?: string;
}

const CONTROL_TIMEOUT_MS = 5000;

/** Only Vapi's own https URL is posted to; anything else is refused without a request. */
function usableControlUrl(url: string): boolean {
  try {
    return new URL(url).protocol === "https:";
  } catch {
    return false;
  }
}

/** Transfers the live call; null when Vapi accepted it, else a short reason (no number in it). Never throws. */
export async function postTransfer(order: TransferOrder): Promise<string | null> {
  if (!usableControlUrl(order.controlUrl)) return "control URL is not https";
  try {
    const res = await fetch(order.controlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "transfer",
        destination: { type: "number", number: order.number, ...(order.callerId ? { callerId: order.callerId } : {}) },
      }),
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    });
    return res.ok ? null : `control URL answered HTTP ${res.status}`;
  } catch (e) {
    return `control URL unreachable (${e instanceof Error ? e.name : "error"})`;
  }
}

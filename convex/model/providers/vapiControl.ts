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

/**
 * What became of a transfer order: accepted, refused (Vapi answered no, or it was
 * never sent), or unanswered (timed out or cut off: Vapi may have transferred).
 */
export type TransferPosted = { ok: true } | { ok: false; answered: boolean; reason: string };

/** Transfers the live call; the reason carries no number. Never throws. */
export async function postTransfer(order: TransferOrder): Promise<TransferPosted> {
  if (!usableControlUrl(order.controlUrl)) return { ok: false, answered: true, reason: "control URL is not https" };
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
    return res.ok ? { ok: true } : { ok: false, answered: true, reason: `control URL answered HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, answered: false, reason: `control URL unreachable (${e instanceof Error ? e.name : "error"})` };
  }
}

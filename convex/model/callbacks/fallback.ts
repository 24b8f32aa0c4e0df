/** What the agency reads when no staff call got a caller's message through. Pure. */
import type { Doc } from "../../_generated/dataModel";

type Message = Pick<Doc<"staffMessages">, "customerName" | "customerPhone" | "text" | "urgent">;

export function fallbackEmail(m: Message): { subject: string; text: string } {
  const who = m.customerName || "A caller";
  return {
    subject: `${m.urgent ? "Urgent: " : ""}call ${who} back on ${m.customerPhone}`,
    text: [
      `${who} left a message for the team and no one could be reached by phone to take it.`,
      "",
      `Caller: ${who}`,
      `Number: ${m.customerPhone}`,
      `Message: ${m.text}`,
      "",
      "A call_back task is open in Atlas until someone calls them.",
    ].join("\n"),
  };
}

/** What the staff call's assistant reads out (variableValues.message) for a call-back request. */
export function callBackRequestText(name: string, phone: string): string {
  return `${name || "A prospect"} asked for a person to call them back on ${phone}.`;
}

/** The same message as one text to the staff phone: short, since SMS bills per 160-character segment. */
export function fallbackText(m: Message): string {
  const who = m.customerName || "A caller";
  const text = m.text.length > 300 ? `${m.text.slice(0, 299)}…` : m.text;
  return `${m.urgent ? "URGENT: " : ""}${who} (${m.customerPhone}) left a message no staff call got through: "${text}" Please call them back.`;
}

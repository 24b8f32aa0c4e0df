/**
 * p95 latency of the live tool webhook on the embedded backend (convex-test):
 * ~200 tool-calls messages, a mix of check_availability and book_meeting, through
 * the real HTTP route, auth and mutation. Run: npx tsx scripts/bench-tools.ts
 */
import { pathToFileURL } from "node:url";
import { DateTime } from "luxon";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { embeddedBackend } from "./backend";

const SECRET = "bench-secret";
const CALLS = 50;
const CHECKS_PER_CALL = 3;
const WARMUP = 10;

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

export async function benchToolCalls(): Promise<number> {
  process.env.VAPI_WEBHOOK_SECRET = SECRET;
  const log = console.log;
  console.log = () => {}; // the functions' structured logs would drown the one line we print
  try {
    const t = embeddedBackend();
    const agencyId = await t.mutation(internal.agencies.create, {
      name: "Bench Agency",
      timeZone: "America/New_York",
      availability: ["Mon-Sun 08:00-20:00"],
      minNoticeMinutes: 0,
    });
    const calls: { callId: Id<"calls">; vapiCallId: string }[] = [];
    for (let i = 0; i < CALLS; i++) {
      const opportunityId = await t.mutation(internal.opportunities.create, {
        agencyId,
        name: `Prospect ${i}`,
        phone: `+1201555${String(1000 + i)}`,
        timeZone: i % 2 ? "America/Los_Angeles" : undefined,
      });
      const vapiCallId = `bench-vapi-${i}`;
      // Inserted directly: startCall would schedule a real dial.
      const callId = await t.run((ctx) =>
        ctx.db.insert("calls", {
          agencyId,
          opportunityId,
          direction: "outbound",
          status: "in-progress",
          attempt: 1,
          dialAt: Date.now(),
          vapiCallId,
          offeredSlotsISO: [],
          updatedAt: Date.now(),
        }),
      );
      calls.push({ callId, vapiCallId });
    }

    const tomorrow = DateTime.now().setZone("America/New_York").plus({ days: 1 }).startOf("day");
    const samples: number[] = [];
    let seq = 0;
    const post = async (i: number, toolCall: unknown) => {
      const { callId, vapiCallId } = calls[i];
      const body = JSON.stringify({
        message: { type: "tool-calls", call: { id: vapiCallId, assistantOverrides: { metadata: { callId } } }, toolCallList: [toolCall] },
      });
      const started = performance.now();
      const res = await t.fetch("/vapi/webhook", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
        body,
      });
      await res.text();
      samples.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`tool webhook answered ${res.status}`);
    };
    for (let i = 0; i < CALLS; i++) {
      for (let c = 0; c < CHECKS_PER_CALL; c++) {
        const args = { date: tomorrow.plus({ days: c }).toISODate(), timeOfDay: ["morning", "afternoon", "evening"][c] };
        await post(i, { id: `bench-${seq++}`, type: "function", function: { name: "check_availability", arguments: JSON.stringify(args) } });
      }
      // Half the bookings collide with an earlier one: the refusal path is measured too.
      const slot = tomorrow.set({ hour: 8 + Math.floor((i % 24) / 2), minute: (i % 2) * 15 }).plus({ days: i % 3 });
      await post(i, { id: `bench-${seq++}`, type: "function", function: { name: "book_meeting", arguments: { slotIso: slot.toISO() } } });
    }
    // The first requests load the modules and warm the JIT; a deployed isolate is already warm.
    return Math.round(p95(samples.slice(WARMUP)));
  } finally {
    console.log = log;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`tool_call_ms_p95: ${await benchToolCalls()}`);
}

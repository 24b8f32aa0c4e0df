/**
 * lead_to_dial_ms: the time from POST /api/leads with callNow to Atlas's create request
 * to Vapi, on the embedded backend (convex-test) with Vapi faked at fetch, during calling
 * hours with a free line; median of RUNS, each on a fresh backend after one warm-up.
 * Run alone: npx tsx scripts/bench-leads.ts
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { internal } from "../convex/_generated/api";
import { FakeWorld, TEST_ENV } from "../tests/helpers/fakeWorld";
import { embeddedBackend } from "./backend";
import { drainScheduled, installClock } from "./clock";

/** Saturday 21 November 2026, 10:00 in New York: inside calling hours for a New Jersey number. */
const NOW = Date.parse("2026-11-21T15:00:00Z");
const RUNS = 9;

async function leadToDial(run: number): Promise<number> {
  const clock = installClock(NOW);
  try {
    const world = new FakeWorld();
    let dialledAt = NaN;
    world.on("POST", /^https:\/\/api\.vapi\.ai\/call$/, () => {
      dialledAt = performance.now();
      return { status: 201, json: { id: `vapi-call-${run}`, status: "queued" } };
    });
    globalThis.fetch = world.fetch;
    const t = embeddedBackend();
    const agencyId = await t.mutation(internal.agencies.create, {
      name: "Brightline Growth",
      timeZone: "America/New_York",
      availability: ["Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00"],
    });
    const { key } = await t.action(internal.apiKeys.create, { agencyId, label: "bench" });
    const start = performance.now();
    const res = await t.fetch("/api/leads", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ name: "Priya Raman", phone: "+12015550142", email: "priya@clinic.example", callNow: true }),
    });
    if (res.status !== 201) throw new Error(`POST /api/leads answered ${res.status}`);
    await drainScheduled(t, clock);
    if (Number.isNaN(dialledAt)) throw new Error("the lead was never dialled");
    return dialledAt - start;
  } finally {
    clock.uninstall();
  }
}

export async function benchLeadToDial(): Promise<number> {
  Object.assign(process.env, TEST_ENV);
  await leadToDial(0);
  const times: number[] = [];
  for (let run = 1; run <= RUNS; run++) times.push(await leadToDial(run));
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] * 10) / 10;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const log = console.log;
  console.log = () => undefined;
  benchLeadToDial().then(
    (ms) => log(`lead_to_dial_ms: ${ms}`),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

/**
 * A fake clock for scripts (vitest's fake timers are only available inside vitest):
 * scheduled functions that are due hours ahead run at once, in order.
 */
import FakeTimers from "@sinonjs/fake-timers";
import type { embeddedBackend } from "./backend";

export type Backend = ReturnType<typeof embeddedBackend>;

export function installClock(now: number) {
  return FakeTimers.install({ now, toFake: ["setTimeout", "clearTimeout", "Date"] });
}

/** Runs every scheduled function (and the ones they schedule), advancing the clock to each. */
export async function drainScheduled(t: Backend, clock: ReturnType<typeof installClock>, maxSteps = 200) {
  for (let i = 0; i < maxSteps; i++) {
    await t.finishInProgressScheduledFunctions();
    if (clock.countTimers() === 0) return;
    clock.next();
  }
  throw new Error(`scheduled functions still pending after ${maxSteps} steps`);
}

/** Runs the scheduled functions due now (and what they schedule for now), leaving later ones waiting. */
export async function drainDue(t: Backend, clock: ReturnType<typeof installClock>, rounds = 30) {
  for (let i = 0; i < rounds; i++) {
    clock.tick(0);
    await t.finishInProgressScheduledFunctions();
  }
}

/**
 * The booking processes: how an agency wants Atlas to get to a meeting. Each is
 * one spec in its own file (see ./spec.ts); this list is the only place that
 * names them all, and the schema's `bookingProcess` union is derived from it.
 */
import { callMe } from "./callMe";
import { linkFirst } from "./linkFirst";
import { offerTimes } from "./offerTimes";
import { prospectLink } from "./prospectLink";
import { prospectProposes } from "./prospectProposes";
import type { ProcessSpec } from "./spec";

export const PROCESSES = [offerTimes, linkFirst, prospectProposes, callMe, prospectLink] as const;

export type BookingProcess = (typeof PROCESSES)[number]["name"];

export const PROCESS_NAMES: BookingProcess[] = PROCESSES.map((p) => p.name);

export const DEFAULT_PROCESS: BookingProcess = "offer_times";

/** The spec of a process (offer_times when absent). */
export function processSpec(name: BookingProcess | undefined): ProcessSpec<BookingProcess> {
  const wanted = name ?? DEFAULT_PROCESS;
  const spec = PROCESSES.find((p) => p.name === wanted);
  if (!spec) throw new Error(`bookingProcess "${wanted}" is not registered`);
  return spec;
}

type ChoosesProcess = { bookingProcess?: BookingProcess };

/** The call's own process when it recorded one, else the opportunity's override, else the agency's. */
export function effectiveProcess(agency: ChoosesProcess, opportunity: ChoosesProcess, call?: ChoosesProcess): BookingProcess {
  return call?.bookingProcess ?? opportunity.bookingProcess ?? agency.bookingProcess ?? DEFAULT_PROCESS;
}

/** Why this process cannot run for the agency, or null. */
export function processRefusal(process: BookingProcess, agency: { bookingLink?: string }): string | null {
  if (processSpec(process).needsBookingLink && !agency.bookingLink) return `bookingProcess "${process}" needs a bookingLink`;
  return null;
}

/**
 * Times as people say them: a wall-clock date and time in a named zone. The
 * model names an offered slot by id or answers date + time + which zone, and
 * Atlas computes the instant with Luxon for that date. An ISO time the model
 * wrote is read the same way: its offset is trusted only when it is the offset
 * of the prospect's or the agency's zone at that wall time on that date.
 */
import { DateTime } from "luxon";
import { parseIsoInstant } from "./availability";

/** Whose clock a time was said in. */
export type SaidIn = "prospect" | "agency";

export interface WallTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:mm, 24-hour */
  time: string;
  zone: SaidIn;
}

export interface CallZones {
  agencyZone: string;
  prospectZone: string;
}

/** A slot offered on a call (prompt or check_availability), named by a short id such as "S1". */
export interface OfferedSlot {
  id: string;
  start: number;
}

export type TimeReading = { ok: true; start: number } | { ok: false; reason: string };

const LOCAL_FORMAT = "yyyy-MM-dd'T'HH:mm:ss";

/** The instant of a wall-clock date and time in `zone`; null when malformed or skipped there (spring-forward gap). */
export function wallClockInstant(date: string, time: string, zone: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const t = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!d || !t) return null;
  const wall = { year: +d[1], month: +d[2], day: +d[3], hour: +t[1], minute: +t[2] };
  const dt = DateTime.fromObject(wall, { zone });
  if (!dt.isValid) return null;
  // Luxon moves a wall time that does not exist forward: it was never said on that date.
  if (dt.year !== wall.year || dt.month !== wall.month || dt.day !== wall.day || dt.hour !== wall.hour || dt.minute !== wall.minute) {
    return null;
  }
  return dt.toMillis();
}

export function zoneOf(said: SaidIn, z: CallZones): string {
  return said === "prospect" ? z.prospectZone : z.agencyZone;
}

/** A {date, time, zone} answer -> its instant, or why not. */
export function readWallTime(w: WallTime, z: CallZones): TimeReading {
  const start = wallClockInstant(w.date, w.time, zoneOf(w.zone, z));
  if (start === null) return { ok: false, reason: `${w.date} ${w.time} (${w.zone} time) is not a valid time on that date` };
  return { ok: true, start };
}

/**
 * An ISO time with a model-written offset. The instant stands when, seen in the
 * prospect's or the agency's zone, it shows the written wall clock (the offset
 * belongs to that zone on that date). Otherwise the written wall clock is what
 * was said, in the prospect's zone; when reading it in the agency's zone would
 * give another slot that is also bookable, nobody can tell which was meant.
 */
export function readIsoTime(iso: string, z: CallZones, isBookable: (start: number) => boolean): TimeReading {
  const text = iso.trim();
  const written = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? DateTime.fromISO(text, { setZone: true }) : null;
  if (!written?.isValid) return { ok: false, reason: `"${text.slice(0, 40)}" is not an ISO time with an offset` };
  const wall = written.toFormat(LOCAL_FORMAT);
  const instant = written.toMillis();
  for (const zone of [z.prospectZone, z.agencyZone]) {
    if (DateTime.fromMillis(instant, { zone }).toFormat(LOCAL_FORMAT) === wall) return { ok: true, start: instant };
  }
  const date = written.toFormat("yyyy-MM-dd");
  const time = written.toFormat("HH:mm");
  const theirs = wallClockInstant(date, time, z.prospectZone);
  if (theirs === null) {
    return { ok: false, reason: `${text} has an offset that is not its zone's on that date, and ${date} ${time} does not exist in ${z.prospectZone}` };
  }
  const ours = wallClockInstant(date, time, z.agencyZone);
  if (ours !== null && ours !== theirs && isBookable(theirs) && isBookable(ours)) {
    return {
      ok: false,
      reason: `${text} has an offset that is not its zone's on that date, and ${date} ${time} is a free slot in both the prospect's and the agency's zone`,
    };
  }
  return { ok: true, start: theirs };
}

/** The ids given to newly listed slots continue the call's own: S1, S2... */
export function nextSlotId(offered: OfferedSlot[]): string {
  const highest = Math.max(0, ...offered.map((s) => Number(/^S(\d+)$/.exec(s.id)?.[1] ?? 0)));
  return `S${highest + 1}`;
}

/**
 * The call's offered slots after listing `slots`: a slot offered before keeps its
 * id, a new one gets the next. At most `max` are kept (a runaway tool loop must
 * not grow the call document); slots past that are listed without an id.
 */
export function rememberOffered(offered: OfferedSlot[], slots: number[], max: number): OfferedSlot[] {
  const out = [...offered];
  for (const start of slots) {
    if (out.some((s) => s.start === start) || out.length >= max) continue;
    out.push({ id: nextSlotId(out), start });
  }
  return out;
}

export function offeredId(offered: OfferedSlot[], start: number): string | undefined {
  return offered.find((s) => s.start === start)?.id;
}

/** The call's offered slots; a call from before slot ids gets S1, S2... in the order its prompt listed them. */
export function offeredSlotsOf(call: { offeredSlots?: OfferedSlot[]; offeredSlotsISO: string[] }): OfferedSlot[] {
  if (call.offeredSlots) return call.offeredSlots;
  // Atlas wrote these ISO times itself (toZonedIso), so their offsets are the agency zone's own.
  return call.offeredSlotsISO.flatMap((iso, i) => {
    const start = parseIsoInstant(iso);
    return start === null ? [] : [{ id: `S${i + 1}`, start }];
  });
}

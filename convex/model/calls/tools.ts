/**
 * Live tools the voice agent calls during a call: their Vapi definitions, the
 * parsing of Vapi's tool-call shapes (zod, at the edge) and the one-line replies.
 * Pure: the Convex side (model/calls/toolRuns.ts) reads and books; this
 * module decides what is said.
 */
import { v, type Infer } from "convex/values";
import { DateTime } from "luxon";
import { z } from "zod";
import { parseIsoInstant, partOfDay, recommendSlots, slotLabel, toZonedIso, type SlotRefusal } from "../scheduling/availability";
import { offeredId, readIsoTime, type OfferedSlot, type TimeReading } from "../scheduling/wallClock";
import { MAX_ID_CHARS, MAX_TOOL_ARGUMENTS_CHARS } from "../providers/vapiMessages";

export const CHECK_AVAILABILITY = "check_availability";
export const BOOK_MEETING = "book_meeting";
/** The staff callback assistant's tool (model/callbacks/connect.ts answers it). */
export const CONNECT_TO_CUSTOMER = "connect_to_customer";

/** Slots a check_availability answer lists, and alternatives a refused booking names. */
export const MAX_LISTED_SLOTS = 4;
export const MAX_ALTERNATIVES = 3;
/** Offered slots a call remembers by id (prompt and listings); later listings carry no id. */
export const MAX_OFFERED_SLOTS = 100;

export const TIMES_OF_DAY = ["morning", "afternoon", "evening"] as const;
export type TimeOfDay = (typeof TIMES_OF_DAY)[number];

/** Local hours [from, to) of each part of the day, in the prospect's zone. */
const DAY_PARTS: Record<TimeOfDay, [number, number]> = { morning: [0, 12], afternoon: [12, 17], evening: [17, 24] };

/**
 * Vapi function tools, for the saved assistant's `model.tools` (or `POST /tool` +
 * `model.toolIds`). No `server` on purpose: Vapi then sends tool calls to the
 * assistant's server URL, which carries the webhook credential.
 */
export const TOOL_DEFINITIONS = [
  {
    type: "function",
    async: false,
    function: {
      name: CHECK_AVAILABILITY,
      description:
        "Lists up to 4 free meeting start times from the agency's live calendar, each as its id (e.g. S5), a label in the prospect's time zone and its exact ISO time in brackets. " +
        "Call it before offering times other than the ones already in your instructions. Offering a time does not book it: only claim a booking after book_meeting succeeded.",
      parameters: {
        type: "object",
        properties: {
          date: { type: "string", description: "Optional local date in the prospect's time zone, YYYY-MM-DD." },
          timeOfDay: { type: "string", enum: [...TIMES_OF_DAY], description: "Optional part of the prospect's day." },
        },
        required: [],
      },
    },
  },
  {
    type: "function",
    async: false,
    function: {
      name: BOOK_MEETING,
      description:
        "Books the meeting at one start time the prospect clearly agreed to. Pass its id (S1, S2...) from your offered times or check_availability as slotId. " +
        "Only claim a booking after book_meeting succeeded (its result starts with \"Booked\"); if it is refused, offer the alternatives it names instead.",
      parameters: {
        type: "object",
        properties: {
          slotId: { type: "string", description: "The id of the agreed time, e.g. S2, from your offered times or check_availability." },
          slotIso: { type: "string", description: "Only when there is no id: the exact ISO time in brackets beside the agreed time." },
        },
        required: [],
      },
    },
  },
] as const;

/**
 * The staff callback assistant's tool, for its `model.tools`: once the staff member
 * says yes, Atlas transfers the live call to the caller. No arguments: the number
 * is Atlas's own record of the message, never one the model says.
 */
export const CALLBACK_TOOL_DEFINITIONS = [
  {
    type: "function",
    async: false,
    function: {
      name: CONNECT_TO_CUSTOMER,
      description:
        "Connects this call to the customer who left the message, once the staff member clearly said yes to being put through. " +
        "Say nothing after calling it unless its result says it did not connect.",
      parameters: { type: "object", properties: {}, required: [] },
    },
  },
] as const;

/** A connect_to_customer on a prospect call: refused in one line, nothing transferred. */
export const NOT_A_CALLBACK_ERROR = "connect_to_customer only works on a staff callback call; nobody was connected.";

/** A tool call's id and name, whatever its shape; null when it has no usable id. */
export function toolCallName(raw: unknown): { toolCallId: string; name: string } | null {
  const parsed = rawToolCall.safeParse(raw);
  if (!parsed.success) return null;
  return { toolCallId: parsed.data.id, name: parsed.data.function?.name ?? parsed.data.name ?? "" };
}

/** A tool call after parsing: a known tool with valid arguments, or an error to answer with. */
export const toolRequest = v.union(
  v.object({
    toolCallId: v.string(),
    tool: v.literal("check_availability"),
    date: v.optional(v.string()),
    timeOfDay: v.optional(v.union(...TIMES_OF_DAY.map((t) => v.literal(t)))),
  }),
  v.object({ toolCallId: v.string(), tool: v.literal("book_meeting"), slotId: v.optional(v.string()), slotIso: v.optional(v.string()) }),
  v.object({ toolCallId: v.string(), tool: v.literal("invalid"), name: v.string(), error: v.string() }),
);
export type ToolRequest = Infer<typeof toolRequest>;

/**
 * `{id, type:"function", function:{name, arguments}}`, or legacy `{id, name, parameters|arguments}`.
 * An id too long to be Vapi's is no id: it cannot be answered or kept in the ledger.
 */
const rawToolCall = z
  .object({
    id: z.string().min(1).max(MAX_ID_CHARS),
    name: z.string().optional(),
    parameters: z.unknown().optional(),
    arguments: z.unknown().optional(),
    function: z.object({ name: z.string().optional(), arguments: z.unknown().optional() }).loose().optional(),
  })
  .loose();

const localDate = z
  .string()
  .trim()
  .refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && DateTime.fromISO(d).isValid, {
    error: "date is not a calendar date YYYY-MM-DD",
  });

const checkArgs = z.object({
  date: localDate.nullish(),
  timeOfDay: z
    .string()
    .trim()
    .toLowerCase()
    .refine((t): t is TimeOfDay => (TIMES_OF_DAY as readonly string[]).includes(t), {
      error: `timeOfDay is not one of ${TIMES_OF_DAY.join(", ")}`,
    })
    .nullish(),
});

const bookArgs = z
  .object({
    slotId: z
      .string()
      .trim()
      .toUpperCase()
      .refine((s) => /^S\d{1,4}$/.test(s), { error: "slotId is not an id such as S2; pass the id beside the agreed time" })
      .nullish(),
    slotIso: z
      .string()
      .trim()
      .refine((s) => parseIsoInstant(s) !== null, {
        error: "slotIso is not an ISO time with an offset; pass the slotId beside the agreed time",
      })
      .nullish(),
  })
  .refine((a) => a.slotId || a.slotIso, { error: "pass slotId (the id beside the agreed time, e.g. S2) or slotIso" });

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function argumentsObject(raw: unknown): Record<string, unknown> | string {
  let value = raw;
  const size = typeof value === "string" ? value.length : (JSON.stringify(value) ?? "").length;
  if (size > MAX_TOOL_ARGUMENTS_CHARS) return `arguments are longer than ${MAX_TOOL_ARGUMENTS_CHARS} characters`;
  if (typeof value === "string") {
    if (!value.trim()) return {};
    try {
      value = JSON.parse(value);
    } catch {
      return "arguments are not valid JSON";
    }
  }
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) return "arguments must be a JSON object";
  return value as Record<string, unknown>;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid arguments";
  return issue.code === "custom" ? issue.message : `${issue.path.join(".") || "arguments"}: ${issue.message}`;
}

/** One entry of `toolCallList` -> a request; null when it has no id (nothing to answer). */
export function parseToolCall(raw: unknown): ToolRequest | null {
  const parsed = rawToolCall.safeParse(raw);
  if (!parsed.success) return null;
  const call = parsed.data;
  const toolCallId = call.id;
  const name = call.function?.name ?? call.name ?? "";
  const args = argumentsObject(call.function ? call.function.arguments : (call.parameters ?? call.arguments));
  const invalid = (error: string): ToolRequest => ({ toolCallId, tool: "invalid", name, error: oneLine(error).slice(0, 300) });
  if (name === CONNECT_TO_CUSTOMER) return invalid(NOT_A_CALLBACK_ERROR);
  if (name !== CHECK_AVAILABILITY && name !== BOOK_MEETING) return invalid(`unknown tool; use ${CHECK_AVAILABILITY} or ${BOOK_MEETING}`);
  if (typeof args === "string") return invalid(`${name}: ${args}`);
  if (name === CHECK_AVAILABILITY) {
    const a = checkArgs.safeParse(args);
    if (!a.success) return invalid(`${name}: ${firstIssue(a.error)}`);
    return {
      toolCallId,
      tool: CHECK_AVAILABILITY,
      ...(a.data.date ? { date: a.data.date } : {}),
      ...(a.data.timeOfDay ? { timeOfDay: a.data.timeOfDay as TimeOfDay } : {}),
    };
  }
  const a = bookArgs.safeParse(args);
  if (!a.success) return invalid(`${name}: ${firstIssue(a.error)}`);
  return {
    toolCallId,
    tool: BOOK_MEETING,
    ...(a.data.slotId ? { slotId: a.data.slotId } : {}),
    ...(a.data.slotIso ? { slotIso: a.data.slotIso } : {}),
  };
}

export interface SlotFilter {
  date?: string;
  timeOfDay?: TimeOfDay;
}

/** Free slots on the asked local date and part of the day (the date by instants: one zone lookup, not one per slot). */
function matching(free: number[], zone: string, filter: SlotFilter): number[] {
  let slots = free;
  if (filter.date) {
    const day = DateTime.fromISO(filter.date, { zone });
    const [from, to] = [day.toMillis(), day.plus({ days: 1 }).toMillis()];
    slots = slots.filter((s) => s >= from && s < to);
  }
  if (filter.timeOfDay) {
    const [from, to] = DAY_PARTS[filter.timeOfDay];
    slots = slots.filter((s) => {
      const hour = DateTime.fromMillis(s, { zone }).hour;
      return hour >= from && hour < to;
    });
  }
  return slots;
}

/** Up to `count` free slots closest to `target`, in time order. */
/**
 * Up to `count` free slots closest to `target`, in time order, from the
 * prospect's waking hours (08:00-20:00 in `zone`) whenever any such slot is
 * free; only when none is are other hours named. The zone is asked of slots
 * nearest first, and of the whole grid only when few are awake.
 */
export function nearestSlots(free: number[], target: number, count: number, zone: string): number[] {
  const byDistance = [...free].sort((a, b) => Math.abs(a - target) - Math.abs(b - target) || a - b);
  const awake: number[] = [];
  for (const s of byDistance) {
    if (awake.length >= count) break;
    const part = partOfDay(s, zone);
    if (part === "morning" || part === "afternoon") awake.push(s);
  }
  return (awake.length ? awake : byDistance.slice(0, count)).sort((a, b) => a - b);
}

/** The moment a filter points at: the start of that local date and part of the day. */
function filterTarget(filter: SlotFilter, zone: string, now: number): number {
  const day = filter.date ? DateTime.fromISO(filter.date, { zone }) : DateTime.fromMillis(now, { zone }).startOf("day");
  const hour = filter.timeOfDay ? DAY_PARTS[filter.timeOfDay][0] : 0;
  return Math.max(now, day.set({ hour }).toMillis());
}

/** The slots check_availability lists: spread over the matching ones, else the nearest to what was asked. */
export function pickSlots(free: number[], zone: string, filter: SlotFilter, now: number): { slots: number[]; matched: boolean } {
  const matches = matching(free, zone, filter);
  if (matches.length > 0) return { slots: recommendSlots(matches, zone, MAX_LISTED_SLOTS), matched: true };
  return { slots: nearestSlots(free, filterTarget(filter, zone, now), MAX_LISTED_SLOTS, zone), matched: false };
}

export interface Zones {
  agencyZone: string;
  prospectZone: string;
}

/** "S5: Tue, Nov 24, 2:00 PM EST [2026-11-24T14:00:00-05:00]": id when it has one, the prospect's time first, the agency's when it differs. */
export function slotWithIso(ms: number, z: Zones, offered: OfferedSlot[] = []): string {
  const id = offeredId(offered, ms);
  return `${id ? `${id}: ` : ""}${slotLabel(ms, z.agencyZone, z.prospectZone)} [${toZonedIso(ms, z.agencyZone)}]`;
}

function slotList(slots: number[], z: Zones, offered: OfferedSlot[] = []): string {
  return slots.map((s) => slotWithIso(s, z, offered)).join("; ");
}

function describeFilter(filter: SlotFilter, zone: string): string {
  const day = filter.date ? ` on ${DateTime.fromISO(filter.date, { zone }).toFormat("cccc, LLL d")}` : "";
  const part = filter.timeOfDay ? ` in the ${filter.timeOfDay}` : "";
  return `${day}${part}`;
}

/** The listing, each slot with the id the call now knows it by (`offered`, after rememberOffered). */
export function availabilityReply(
  picked: { slots: number[]; matched: boolean },
  filter: SlotFilter,
  z: Zones,
  horizonDays: number,
  offered: OfferedSlot[],
): string {
  if (picked.slots.length === 0) {
    return `No free times in the next ${horizonDays} days; offer to have the team call back. Nothing is booked.`;
  }
  const howToBook = "To book, pass the id (e.g. S5) to book_meeting as slotId; nothing is booked yet.";
  const listed = slotList(picked.slots, z, offered);
  const awake = picked.slots.every((s) => ["morning", "afternoon"].includes(partOfDay(s, z.prospectZone)));
  const hours = awake ? "" : " Some of these are early or late for the prospect: say so.";
  if (picked.matched) return oneLine(`Free times: ${listed}.${hours} ${howToBook}`);
  return oneLine(`No free time${describeFilter(filter, z.prospectZone)}. Nearest free times: ${listed}.${hours} ${howToBook}`);
}

/**
 * The time a book_meeting names: an offered id, else the ISO read by the
 * wall-clock rule (its offset is never trusted on its own).
 */
export function requestedTime(
  request: { slotId?: string; slotIso?: string },
  offered: OfferedSlot[],
  z: Zones,
  isBookable: (start: number) => boolean,
): TimeReading {
  if (request.slotId) {
    const slot = offered.find((s) => s.id === request.slotId);
    if (slot) return { ok: true, start: slot.start };
    return { ok: false, reason: `${request.slotId} was not offered on this call; call check_availability and pass an id it lists` };
  }
  return readIsoTime(request.slotIso ?? "", z, isBookable);
}

export function bookedReply(ms: number, z: Zones): string {
  return oneLine(`Booked: ${slotWithIso(ms, z)}. Confirm this time to the prospect; a calendar invite follows.`);
}

const REFUSAL_WORDS: Record<SlotRefusal, string> = {
  conflict: "is already taken",
  outside_availability: "is outside the agency's meeting hours",
  too_soon: "is too soon to book",
  beyond_horizon: "is too far ahead to book",
};

export function refusedReply(ms: number, reason: SlotRefusal, alternatives: number[], z: Zones): string {
  const offer = alternatives.length
    ? `Nearest free times: ${slotList(alternatives, z)}.`
    : "There are no other free times soon; offer to have the team call back.";
  return oneLine(`Not booked: ${slotLabel(ms, z.prospectZone)} ${REFUSAL_WORDS[reason]}. ${offer} Do not say it is booked.`);
}

export function alreadyBookedReply(ms: number, z: Zones): string {
  return oneLine(`Not booked again: this call already booked ${slotLabel(ms, z.prospectZone)} [${toZonedIso(ms, z.agencyZone)}]. If the prospect wants another time, say the team will confirm the change.`);
}

export function unclearTimeReply(reason: string): string {
  return oneLine(`Not booked: ${reason}. Confirm the time with the prospect, call check_availability and pass the id it lists. Do not say it is booked.`);
}

/** A book_meeting after the call ended or the prospect declined or opted out: a person settles it. */
export const SETTLED_REPLY =
  "Not booked: this call is over or the prospect declined. Do not say it is booked; say a person from the team will confirm the time.";

export const CLOSED_REPLY =
  "Not booked: this prospect already has a meeting or cannot be booked by phone. Do not say it is booked; say the team will follow up.";
export const UNKNOWN_CALL_ERROR = "This call is unknown to Atlas, so nothing can be checked or booked. Do not say a meeting is booked.";
export const FAILED_TOOL_ERROR = "Atlas could not complete this tool call. Do not say a meeting is booked; say the team will follow up.";

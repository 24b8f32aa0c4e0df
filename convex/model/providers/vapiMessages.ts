/**
 * The Vapi wire format, parsed with zod at the edge. Real accounts send `null`
 * for absent optional fields, so null means absent at any depth (withoutNulls,
 * applied once where a payload enters: the webhook envelope and GET /call).
 * Schemas tolerate unknown fields and the documented variants (bot/assistant
 * roles, both report layouts, legacy top-level transcript and recording fields,
 * metadata on the call or its overrides). Every string kept from a payload is
 * bounded here, by the limits below.
 */
import { z } from "zod";

/** Vapi ids are UUIDs, tool call ids ~30 characters: a longer one is not an id we could match. */
export const MAX_ID_CHARS = 128;
/** The longest reason Vapi's SDK lists has 123 characters. */
export const MAX_ENDED_REASON_CHARS = 200;
/** Recording URLs are kept whole or not at all: a cut URL points nowhere. */
export const MAX_URL_CHARS = 2048;
/** A caller's name as the carrier or Vapi sends it (it becomes an opportunity's name). */
export const MAX_CALLER_NAME_CHARS = 100;
/** A tool call's arguments: ours take a date, a part of the day or one ISO time. */
export const MAX_TOOL_ARGUMENTS_CHARS = 10_000;
/** Vapi refuses a call whose `customer.name` is longer (OpenAPI CreateCustomerDTO). */
export const MAX_CUSTOMER_NAME_CHARS = 40;

/** Nested deeper than this, a value is left as sent: nothing Atlas reads lies that deep. */
const MAX_NULL_DEPTH = 32;

/** A copy without null object fields or array entries: Vapi's null means "absent". */
export function withoutNulls(value: unknown, depth = 0): unknown {
  if (depth > MAX_NULL_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.filter((v) => v !== null).map((v) => withoutNulls(v, depth + 1));
  // fromEntries, not assignment: a "__proto__" key from JSON stays a plain field.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v, depth + 1)]),
  );
}

/** Text from outside cut to `max` characters, never inside a character. */
export function boundText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** Text cut to `max` characters at the last word boundary (a single longer word is cut inside). */
export function boundWords(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const lastSpace = clean.slice(0, max + 1).lastIndexOf(" ");
  return (lastSpace > 0 ? clean.slice(0, lastSpace) : boundText(clean, max)).replace(/[\s,;:-]+$/, "");
}

/** Free text: its first `max` characters still say what it said. */
const text = (max: number) => z.string().transform((s) => boundText(s, max));
/** An id or URL, whole or absent: a cut one would point at something else. */
const token = (max: number) => z.string().max(max).optional().catch(undefined);

const metadata = z.record(z.string(), z.unknown());
const party = z.object({ number: z.string().optional(), name: text(MAX_CALLER_NAME_CHARS).optional() }).loose();

export const vapiCall = z.object({
  id: token(MAX_ID_CHARS),
  type: z.string().optional(),
  status: z.string().optional(),
  endedReason: text(MAX_ENDED_REASON_CHARS).optional(),
  metadata: metadata.optional(),
  assistantOverrides: z.object({ metadata: metadata.optional() }).loose().optional(),
  customer: party.optional(),
  phoneNumberId: z.string().optional(),
  phoneNumber: z.object({ number: z.string().optional() }).loose().optional(),
  /** Live control (`monitorPlan.controlEnabled`): where a transfer is posted. */
  monitor: z.object({ controlUrl: token(MAX_URL_CHARS) }).loose().optional(),
}).loose();
export type VapiCall = z.infer<typeof vapiCall>;

export const envelope = z.preprocess(
  (raw) => withoutNulls(raw),
  z.object({
    message: z.object({ type: z.string().min(1), call: vapiCall.optional() }).loose(),
  }),
);

/** One line of `artifact.messages` or the 2024 top-level `messages`; `time` is epoch ms. */
const artifactMessage = z.object({
  role: z.string().optional(),
  message: z.unknown().optional(),
  content: z.unknown().optional(),
  time: z.number().optional(),
  secondsFromStart: z.number().optional(),
}).loose();
type ArtifactMessage = z.infer<typeof artifactMessage>;

const artifact = z.object({
  messages: z.array(artifactMessage).optional(),
  transcript: z.string().optional(),
  recordingUrl: token(MAX_URL_CHARS),
  stereoRecordingUrl: token(MAX_URL_CHARS),
  recording: z.object({
    stereoUrl: token(MAX_URL_CHARS),
    mono: z.object({ combinedUrl: token(MAX_URL_CHARS) }).loose().optional(),
  }).loose().optional(),
  /** One record per transfer attempt; `status` is its terminal state (openapi TransferArtifact). */
  transfers: z.array(z.object({ status: z.string().max(40).optional().catch(undefined) }).loose()).optional().catch(undefined),
}).loose();

/** Fields shared by the end-of-call report and Vapi's call object (GET /call/{id}). */
export const reportFields = z.object({
  endedReason: text(MAX_ENDED_REASON_CHARS).optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  cost: z.number().optional(),
  durationSeconds: z.number().optional(),
  artifact: artifact.optional(),
  messages: z.array(artifactMessage).optional(),
  transcript: z.string().optional(),
  recordingUrl: token(MAX_URL_CHARS),
  stereoRecordingUrl: token(MAX_URL_CHARS),
}).loose();

/** Vapi's call object from GET /call/{id}: the report fields plus its own status. */
export const vapiCallObject = z.preprocess(
  (raw) => withoutNulls(raw),
  reportFields.extend({
    id: token(MAX_ID_CHARS),
    status: z.string().optional(),
  }),
);

/** A staff callback call (staffCalls.placeStaffCall) carries its attempt id instead of a call id. */
export function ourCallbackAttemptId(call: VapiCall | undefined): string | undefined {
  const fromOverrides = call?.assistantOverrides?.metadata?.callbackAttemptId;
  const id = typeof fromOverrides === "string" ? fromOverrides : call?.metadata?.callbackAttemptId;
  return typeof id === "string" ? id : undefined;
}

/** A transfer happened; its live artifact may already carry the transfer's status. */
export const transferUpdate = z.object({
  type: z.literal("transfer-update"),
  call: vapiCall.optional(),
  artifact: artifact.optional(),
}).loose();

/** The transfers' statuses, in order, from a report's or a transfer-update's artifact. */
export function transferStatuses(a: z.infer<typeof artifact> | undefined): (string | undefined)[] {
  return (a?.transfers ?? []).map((t) => t.status);
}

/** `analysis.structuredData.declined` of a staff call (its analysisPlan asks for it). */
export const staffCallAnalysis = z
  .object({ structuredData: z.object({ declined: z.boolean().optional().catch(undefined) }).loose().optional().catch(undefined) })
  .loose()
  .optional()
  .catch(undefined);

export const statusUpdate = z.object({
  type: z.literal("status-update"),
  status: z.string(),
  endedReason: text(MAX_ENDED_REASON_CHARS).optional(),
  call: vapiCall.optional(),
}).loose();

export const endOfCallReport = reportFields.extend({
  type: z.literal("end-of-call-report"),
  call: vapiCall.optional(),
});

/** Entries are parsed one by one (model/calls/tools.ts): one bad entry must not sink the others. */
export const toolCalls = z.object({
  type: z.literal("tool-calls"),
  call: vapiCall.optional(),
  toolCallList: z.array(z.unknown()),
}).loose();

/** An inbound call on a number with no assistant: Vapi asks which assistant answers. */
export const assistantRequest = z.object({
  type: z.literal("assistant-request"),
  call: vapiCall.optional(),
  phoneNumber: party.optional(),
  customer: party.optional(),
}).loose();

/** The number that was called and the caller, wherever this payload version puts them. */
export function inboundParties(m: z.infer<typeof assistantRequest>) {
  return {
    calledNumber: m.phoneNumber?.number ?? m.call?.phoneNumber?.number,
    callerNumber: m.customer?.number ?? m.call?.customer?.number,
    callerName: m.customer?.name ?? m.call?.customer?.name,
  };
}

/** Our call id travels in the overrides' metadata; some payloads echo it on the call. */
export function ourCallId(call: VapiCall | undefined): string | undefined {
  const fromOverrides = call?.assistantOverrides?.metadata?.callId;
  const fromCall = call?.metadata?.callId;
  const id = typeof fromOverrides === "string" ? fromOverrides : fromCall;
  return typeof id === "string" ? id : undefined;
}

export type TranscriptRole = "assistant" | "user" | "tool";

export interface TranscriptMessage {
  role: TranscriptRole;
  text: string;
  secondsFromStart?: number;
}

export interface CallReport {
  endedReason?: string;
  startedAt?: number;
  endedAt?: number;
  durationSeconds?: number;
  cost?: number;
  recordingUrl?: string;
  stereoRecordingUrl?: string;
  messages: TranscriptMessage[];
}

/** Long calls stay within Convex document limits: bounded count, bounded text. */
export const MAX_STORED_MESSAGES = 5000;
export const MAX_MESSAGE_CHARS = 4000;
/** All messages together: one report is written in one transaction (16 MiB) from one argument. */
export const MAX_TRANSCRIPT_CHARS = 2_000_000;

/** Keeps the first messages up to the count and character budgets. */
function boundTranscript(messages: TranscriptMessage[]): TranscriptMessage[] {
  const kept: TranscriptMessage[] = [];
  let budget = MAX_TRANSCRIPT_CHARS;
  for (const m of messages.slice(0, MAX_STORED_MESSAGES)) {
    if (budget <= 0) break;
    const text = boundText(m.text, Math.min(MAX_MESSAGE_CHARS, budget));
    if (!text) break;
    budget -= text.length;
    kept.push({ ...m, text });
  }
  return kept;
}

function normaliseRole(role: string | undefined): TranscriptRole | null {
  if (role === "bot" || role === "assistant") return "assistant";
  if (role === "user" || role === "customer") return "user";
  if (role === "tool_call_result" || role === "tool") return "tool";
  return null; // system prompt and raw tool_calls are ours, not conversation
}

/** "AI: ...\nUser: ..." (legacy flat transcript) -> messages. */
function parseFlatTranscript(text: string): TranscriptMessage[] {
  const out: TranscriptMessage[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(AI|Assistant|Bot|User|Customer)\s*:\s*(.*)$/i.exec(line.trim());
    if (m) out.push({ role: /^(user|customer)$/i.test(m[1]) ? "user" : "assistant", text: m[2] });
    else if (out.length && line.trim()) out[out.length - 1].text += ` ${line.trim()}`;
  }
  return out;
}

function toMs(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The conversation in a list of Vapi messages, each timed from the call's start:
 * `secondsFromStart` when sent, else from its `time` (epoch ms) and the start.
 */
function conversation(list: ArtifactMessage[], startedAt: number | undefined): TranscriptMessage[] {
  const out: TranscriptMessage[] = [];
  for (const m of list) {
    const role = normaliseRole(m.role);
    const said = typeof m.message === "string" ? m.message : typeof m.content === "string" ? m.content : "";
    const text = said.trim();
    if (!role || !text) continue;
    const secondsFromStart =
      m.secondsFromStart ?? (m.time !== undefined && startedAt !== undefined ? (m.time - startedAt) / 1000 : undefined);
    out.push({ role, text, ...(secondsFromStart !== undefined ? { secondsFromStart } : {}) });
  }
  return out;
}

/**
 * A report from the webhook or from GET /call/{id}, in one normalised shape. The
 * conversation comes from `artifact.messages`; in the 2024 layout that list is
 * empty and the timed messages are at the top level; the oldest payloads have
 * only the flat transcript text.
 */
export function normaliseReport(raw: z.infer<typeof reportFields>): CallReport {
  const art = raw.artifact ?? {};
  const startedAt = toMs(raw.startedAt);
  const endedAt = toMs(raw.endedAt);
  const timed = [art.messages, raw.messages]
    .map((list) => conversation(list ?? [], startedAt))
    .find((messages) => messages.length > 0);
  const messages = timed ?? parseFlatTranscript(art.transcript ?? raw.transcript ?? "");
  return {
    endedReason: raw.endedReason,
    startedAt,
    endedAt,
    durationSeconds:
      raw.durationSeconds ?? (startedAt !== undefined && endedAt !== undefined ? (endedAt - startedAt) / 1000 : undefined),
    cost: raw.cost,
    recordingUrl: art.recordingUrl ?? art.recording?.mono?.combinedUrl ?? raw.recordingUrl,
    stereoRecordingUrl: art.stereoRecordingUrl ?? art.recording?.stereoUrl ?? raw.stereoRecordingUrl,
    messages: boundTranscript(messages),
  };
}

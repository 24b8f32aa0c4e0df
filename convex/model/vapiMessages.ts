/**
 * The Vapi wire format, parsed with zod at the edge. Schemas tolerate unknown
 * fields and the documented variants (bot/assistant roles, legacy top-level
 * transcript and recording fields, metadata on the call or its overrides).
 */
import { z } from "zod";

const metadata = z.record(z.string(), z.unknown());

export const vapiCall = z.object({
  id: z.string().optional(),
  type: z.string().optional(),
  status: z.string().optional(),
  endedReason: z.string().optional(),
  metadata: metadata.optional(),
  assistantOverrides: z.object({ metadata: metadata.optional() }).loose().optional(),
  customer: z.object({ number: z.string().optional(), name: z.string().optional() }).loose().optional(),
  phoneNumberId: z.string().optional(),
  phoneNumber: z.object({ number: z.string().optional() }).loose().optional(),
}).loose();
export type VapiCall = z.infer<typeof vapiCall>;

export const envelope = z.object({
  message: z.object({ type: z.string().min(1), call: vapiCall.optional() }).loose(),
});

const artifactMessage = z.object({
  role: z.string(),
  message: z.string().optional(),
  content: z.string().optional(),
  time: z.number().optional(),
  secondsFromStart: z.number().optional(),
}).loose();

const artifact = z.object({
  messages: z.array(artifactMessage).optional(),
  transcript: z.string().optional(),
  recordingUrl: z.string().optional(),
  stereoRecordingUrl: z.string().optional(),
  recording: z.object({
    stereoUrl: z.string().optional(),
    mono: z.object({ combinedUrl: z.string().optional() }).loose().optional(),
  }).loose().optional(),
}).loose();

/** Fields shared by the end-of-call report and Vapi's call object (GET /call/{id}). */
export const reportFields = z.object({
  endedReason: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  cost: z.number().optional(),
  durationSeconds: z.number().optional(),
  artifact: artifact.optional(),
  messages: z.array(artifactMessage).optional(),
  transcript: z.string().optional(),
  recordingUrl: z.string().optional(),
  stereoRecordingUrl: z.string().optional(),
}).loose();

/** Vapi's call object from GET /call/{id}: the report fields plus its own status. */
export const vapiCallObject = reportFields.extend({
  id: z.string().optional(),
  status: z.string().optional(),
});

export const statusUpdate = z.object({
  type: z.literal("status-update"),
  status: z.string(),
  endedReason: z.string().optional(),
  call: vapiCall.optional(),
}).loose();

export const endOfCallReport = reportFields.extend({
  type: z.literal("end-of-call-report"),
  call: vapiCall.optional(),
});

/** Entries are parsed one by one (model/tools.ts): one bad entry must not sink the others. */
export const toolCalls = z.object({
  type: z.literal("tool-calls"),
  call: vapiCall.optional(),
  toolCallList: z.array(z.unknown()),
}).loose();

const party = z.object({ number: z.string().optional(), name: z.string().optional() }).loose();

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
    const text = m.text.slice(0, Math.min(MAX_MESSAGE_CHARS, budget));
    budget -= text.length;
    kept.push({ ...m, text });
  }
  return kept;
}

function normaliseRole(role: string): TranscriptRole | null {
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

/** A report from the webhook or from GET /call/{id}, in one normalised shape. */
export function normaliseReport(raw: z.infer<typeof reportFields>): CallReport {
  const art = raw.artifact ?? {};
  const rawMessages = art.messages ?? raw.messages;
  let messages: TranscriptMessage[] = [];
  if (rawMessages?.length) {
    for (const m of rawMessages) {
      const role = normaliseRole(m.role);
      const text = (m.message ?? m.content ?? "").trim();
      if (role && text) messages.push({ role, text, secondsFromStart: m.secondsFromStart });
    }
  } else {
    messages = parseFlatTranscript(art.transcript ?? raw.transcript ?? "");
  }
  const startedAt = toMs(raw.startedAt);
  const endedAt = toMs(raw.endedAt);
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

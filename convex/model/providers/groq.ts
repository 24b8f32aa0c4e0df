/**
 * Groq, the model that reads transcripts: which model is asked and how (structured
 * outputs where the model decodes a strict schema, JSON mode otherwise), and what
 * its failures mean (worth another attempt, a model no longer served, or final).
 */
import Groq, { APIConnectionError, APIConnectionTimeoutError, APIError } from "groq-sdk";
import type { ChatCompletionCreateParamsNonStreaming } from "groq-sdk/resources/chat/completions";
import { isRetryable } from "../retryPolicy";
import type { JsonSchema } from "./structuredOutput";

/** Groq's recommended replacement for llama-3.3-70b-versatile (decommissioned 2026-08-16). */
export const DEFAULT_GROQ_MODEL = "openai/gpt-oss-120b";
/** Per request; retries are ours (scheduled, durable), never the SDK's. */
const GROQ_TIMEOUT_MS = 20_000;

export function groqModel(): string {
  return process.env.GROQ_MODEL?.trim() || DEFAULT_GROQ_MODEL;
}

/** gpt-oss models decode a strict json_schema and take reasoning_effort low | medium | high. */
function isGptOss(model: string): boolean {
  return model.startsWith("openai/gpt-oss-");
}

export function supportsStrictOutputs(model: string): boolean {
  return isGptOss(model);
}

export type ChatMessage = { role: "system" | "user"; content: string };

/**
 * The chat completion request: the reply held to `reply.schema` (strict-mode form)
 * where the model supports it, else JSON mode (the prompt must say "JSON").
 */
export function completionRequest(
  model: string,
  messages: ChatMessage[],
  reply: { name: string; schema: JsonSchema },
): ChatCompletionCreateParamsNonStreaming {
  return {
    model,
    temperature: 0,
    messages,
    // The answer is a short judgement: low effort keeps latency and tokens down.
    ...(isGptOss(model) ? { reasoning_effort: "low" as const } : {}),
    response_format: supportsStrictOutputs(model)
      ? { type: "json_schema", json_schema: { name: reply.name, schema: reply.schema, strict: true } }
      : { type: "json_object" },
  };
}

export async function createCompletion(request: ChatCompletionCreateParamsNonStreaming) {
  const apiKey = process.env.GROQ_API_KEY;
  if (!apiKey) throw new Error("GROQ_API_KEY is not set");
  // Built per call, not at module load, so fetch is resolved at call time.
  const groq = new Groq({ apiKey, maxRetries: 0, timeout: GROQ_TIMEOUT_MS, fetch: (...a) => globalThis.fetch(...a) });
  return await groq.chat.completions.create(request);
}

export type GroqFailure = {
  kind: "transient" | "model_unavailable" | "final";
  /** Status and Groq's error code only: the message may quote the model's output. */
  summary: string;
};

/** Codes Groq answers (404, or 400) for a model it does not serve: no retry brings it back. */
const MODEL_UNAVAILABLE_CODES = new Set(["model_not_found", "model_decommissioned"]);

/** Groq's error code from its body `{"error": {"code": ...}}`, when it is a plain identifier. */
export function groqErrorCode(e: APIError): string | undefined {
  const body = e.error as { error?: { code?: unknown }; code?: unknown } | undefined;
  const code = body?.error?.code ?? body?.code;
  return typeof code === "string" && /^[a-z0-9_]{1,64}$/.test(code) ? code : undefined;
}

/** What a Groq error means for the analysis; null for anything that is not one. */
export function groqFailure(e: unknown): GroqFailure | null {
  if (e instanceof APIConnectionTimeoutError) return { kind: "transient", summary: "Groq timed out" };
  if (e instanceof APIConnectionError) return { kind: "transient", summary: "Groq unreachable" };
  if (!(e instanceof APIError) || !e.status) return null;
  const code = groqErrorCode(e);
  const summary = `Groq HTTP ${e.status}${code ? ` ${code}` : ""}`;
  if (code && MODEL_UNAVAILABLE_CODES.has(code) && (e.status === 404 || e.status === 400)) return { kind: "model_unavailable", summary };
  // json_validate_failed (a reply that failed Groq's own JSON validation) is retryable: the next sample may well pass.
  if (isRetryable({ status: e.status, code })) return { kind: "transient", summary };
  return { kind: "final", summary };
}

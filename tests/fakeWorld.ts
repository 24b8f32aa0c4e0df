/**
 * One fake of the outside world: a fetch interceptor routing Vapi, Groq and
 * Resend requests to scripted handlers, recording every request. Anything else
 * fails loudly: a test never touches the network.
 */
import { vi } from "vitest";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** Date.now() when the request was made (fake clock in tests). */
  at: number;
}

type Reply = { status?: number; json?: unknown; text?: string } | Error;
type Route = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface GroqReply {
  meetingBooked: boolean;
  slotIso: string | null;
  confidence: number;
  reasoning?: string;
  rejectionDetected?: boolean;
  evidence: string | null;
  [extra: string]: unknown;
}

export class FakeWorld {
  requests: RecordedRequest[] = [];
  private routes: { match: RegExp; method: string; handle: Route }[] = [];
  /** Scripted Groq answers, used in order; the last one repeats. A number is an HTTP error status, a string raw content. */
  groqReplies: (GroqReply | number | string)[] = [];
  private vapiCalls = 0;
  /** What GET /call/{id} answers: Vapi's call object, or an HTTP error status. Unknown ids are 404. */
  vapiCallState = new Map<string, Record<string, unknown> | number>();

  constructor() {
    this.on("POST", /^https:\/\/api\.vapi\.ai\/call$/, () => ({ status: 201, json: { id: `vapi-call-${++this.vapiCalls}`, status: "queued" } }));
    this.on("GET", /^https:\/\/api\.vapi\.ai\/call\/[^/?]+$/, (req) => {
      const id = decodeURIComponent(req.url.split("/").pop()!);
      const state = this.vapiCallState.get(id);
      if (state === undefined) return { status: 404, json: { message: `call ${id} not found` } };
      if (typeof state === "number") return { status: state, json: { message: `scripted ${state}` } };
      return { status: 200, json: { id, ...state } };
    });
    this.on("POST", /^https:\/\/api\.groq\.com\/openai\/v1\/chat\/completions$/, () => this.nextGroq());
    this.on("POST", /^https:\/\/api\.resend\.com\/emails$/, () => ({ status: 200, json: { id: `email-${this.requests.length}` } }));
  }

  /** Adds (or overrides: the newest route wins) a handler. */
  on(method: string, match: RegExp, handle: Route): this {
    this.routes.unshift({ method, match, handle });
    return this;
  }

  /** Vapi's call create answers with this status and body from now on. */
  failVapiCreate(status: number, json: unknown): this {
    return this.on("POST", /^https:\/\/api\.vapi\.ai\/call$/, () => ({ status, json }));
  }

  get groqRequests(): RecordedRequest[] {
    return this.to("api.groq.com");
  }

  get vapiCreates(): RecordedRequest[] {
    return this.to(/^https:\/\/api\.vapi\.ai\/call$/);
  }

  to(host: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => (typeof host === "string" ? r.url.includes(host) : host.test(r.url)));
  }

  private nextGroq(): Reply {
    const next = this.groqReplies.length > 1 ? this.groqReplies.shift()! : this.groqReplies[0];
    if (next === undefined) return { status: 500, json: { error: { message: "no scripted reply" } } };
    if (typeof next === "number") return { status: next, json: { error: { message: `scripted ${next}` } } };
    const content = typeof next === "string" ? next : JSON.stringify({ reasoning: "", rejectionDetected: false, ...next });
    return {
      status: 200,
      json: {
        id: "chatcmpl-fake",
        object: "chat.completion",
        created: 0,
        model: "fake",
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
        usage: { prompt_tokens: 900, completion_tokens: 60, total_tokens: 960 },
      },
    };
  }

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const raw = await request.text();
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* form or text bodies stay as text */
    }
    const recorded: RecordedRequest = {
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers.entries()),
      body,
      at: Date.now(),
    };
    this.requests.push(recorded);
    const route = this.routes.find((r) => r.method === request.method && r.match.test(request.url));
    if (!route) throw new Error(`test tried to reach the network: ${request.method} ${request.url}`);
    const reply = await route.handle(recorded);
    if (reply instanceof Error) throw reply;
    return new Response(reply.text ?? JSON.stringify(reply.json ?? {}), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  };

  install(): this {
    vi.stubGlobal("fetch", this.fetch);
    return this;
  }
}

export const TEST_ENV = {
  VAPI_API_KEY: "vapi-test-key",
  VAPI_PHONE_NUMBER_ID: "phone-number-1",
  VAPI_ASSISTANT_ID: "assistant-1",
  VAPI_WEBHOOK_SECRET: "webhook-secret-123",
  GROQ_API_KEY: "groq-test-key",
  RESEND_API_KEY: "resend-test-key",
  EMAIL_FROM: "Atlas <atlas@example.com>",
};

export function stubTestEnv(overrides: Partial<Record<keyof typeof TEST_ENV, string>> = {}): void {
  for (const [k, val] of Object.entries({ ...TEST_ENV, ...overrides })) vi.stubEnv(k, val);
}

/**
 * One fake of the outside world: a fetch interceptor routing Vapi, Groq, Resend,
 * Slack, Twilio, Cal.com and Google requests to scripted handlers, recording every
 * request. Anything else fails loudly: a test never touches the network.
 */
import { vi } from "vitest";
import { FakeGoogle, GOOGLE_TEST_CLIENT } from "./fakeGoogle";
import { type Text, TWILIO_MESSAGES, TwilioError, twilioError, twilioMessage } from "./fakeTwilio";
export { type Text, TwilioError } from "./fakeTwilio";
import { FakeBookingProviders } from "./fakeBookingProviders";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** The body text exactly as sent: a retry that must resend the same payload is compared byte for byte. */
  raw: string;
  /** Date.now() when the request was made (fake clock in tests). */
  at: number;
}

export type Reply = { status?: number; json?: unknown; text?: string } | Error;
type Route = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface GroqReply {
  meetingBooked: boolean;
  /** Legacy: replies now name offered slots by slotId or give agreedTime as said. */
  slotIso?: string | null;
  confidence: number;
  reasoning?: string;
  rejectionDetected?: boolean;
  evidence: string | null;
  [extra: string]: unknown;
}

/** Groq's error answer, with the body Groq sends: `{"error": {"message", "type", "code", ...}}`. */
export class GroqErrorReply {
  constructor(
    readonly status: number,
    readonly error: { message: string; type: string; code?: string; failed_generation?: string },
  ) {}
}

/** A JSON-mode reply that failed Groq's own validation: the generation is returned, not the completion. */
export function groqJsonValidateFailed(failedGeneration: string): GroqErrorReply {
  return new GroqErrorReply(400, {
    message: "Failed to generate JSON. Please adjust your prompt. See 'failed_generation' for more details.",
    type: "invalid_request_error",
    code: "json_validate_failed",
    failed_generation: failedGeneration,
  });
}

/** What Groq answers for a model it does not serve. */
export function groqModelUnavailable(model: string, code: "model_not_found" | "model_decommissioned"): GroqErrorReply {
  return code === "model_not_found"
    ? new GroqErrorReply(404, {
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: "invalid_request_error",
        code,
      })
    : new GroqErrorReply(400, {
        message: `The model \`${model}\` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.`,
        type: "invalid_request_error",
        code,
      });
}

function groqBadRequest(message: string): GroqErrorReply {
  return new GroqErrorReply(400, { message, type: "invalid_request_error" });
}

type JsonSchemaNode = { type?: unknown; properties?: Record<string, JsonSchemaNode>; required?: string[]; additionalProperties?: unknown; items?: JsonSchemaNode; anyOf?: JsonSchemaNode[] };

/** Why Groq's strict mode would refuse this schema (an object not closed, a property not required), or null. */
function strictSchemaProblem(schema: JsonSchemaNode, path = "schema"): string | null {
  const isObject = schema.type === "object" || (Array.isArray(schema.type) && schema.type.includes("object"));
  if (isObject) {
    if (schema.additionalProperties !== false) return `${path}: additionalProperties must be false in strict mode`;
    const missing = Object.keys(schema.properties ?? {}).filter((name) => !(schema.required ?? []).includes(name));
    if (missing.length > 0) return `${path}: all properties must be required in strict mode (${missing.join(", ")})`;
  }
  const children: [string, JsonSchemaNode][] = [
    ...Object.entries(schema.properties ?? {}).map(([name, child]) => [`${path}.${name}`, child] as [string, JsonSchemaNode]),
    ...(schema.items ? [[`${path}[]`, schema.items] as [string, JsonSchemaNode]] : []),
    ...(schema.anyOf ?? []).map((child, i) => [`${path}.anyOf[${i}]`, child] as [string, JsonSchemaNode]),
  ];
  for (const [childPath, child] of children) {
    const problem = strictSchemaProblem(child, childPath);
    if (problem) return problem;
  }
  return null;
}

type GroqRequest = {
  model: string;
  messages: { content: string }[];
  reasoning_effort?: string;
  response_format?: { type: string; json_schema?: { name: string; schema: JsonSchemaNode; strict?: boolean } };
};

/** Models the fake serves with strict structured outputs and reasoning_effort low | medium | high. */
const GPT_OSS = /^openai\/gpt-oss-/;

/** A Resend send request read as an email; attachments decoded from the base64 Resend receives. */
export interface Email {
  idempotencyKey: string | undefined;
  from: string;
  to: string[];
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string | undefined; content: string }[];
}

type ResendBody = {
  from: string;
  to: string | string[];
  subject: string;
  text: string;
  attachments?: { filename: string; content: string; content_type?: string }[];
};

function readEmail(req: RecordedRequest): Email {
  const body = req.body as ResendBody;
  return {
    idempotencyKey: req.headers["idempotency-key"],
    from: body.from,
    to: Array.isArray(body.to) ? body.to : [body.to],
    subject: body.subject,
    text: body.text,
    attachments: (body.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.content_type,
      content: new TextDecoder().decode(Uint8Array.from(atob(a.content), (c) => c.charCodeAt(0))),
    })),
  };
}

function resendError(status: number, message: string): Reply {
  // 409: another request with the same idempotency key is still being processed.
  const name =
    status === 429 ? "rate_limit_exceeded" : status === 409 ? "concurrent_idempotent_requests" : status >= 500 ? "internal_server_error" : "validation_error";
  return { status, json: { statusCode: status, name, message } };
}

export class FakeWorld {
  requests: RecordedRequest[] = [];
  private routes: { match: RegExp; method: string; handle: Route }[] = [];
  /**
   * Scripted Groq answers, used in order; the last one repeats. A number is an HTTP error status, a string raw
   * content, a GroqErrorReply Groq's error body. Under a strict json_schema every property the reply leaves out
   * comes back null, as constrained decoding writes them.
   */
  groqReplies: (GroqReply | number | string | GroqErrorReply)[] = [];
  /** Models Groq no longer serves (integrations.md 6b), answered before any scripted reply. */
  groqUnservedModels = new Map<string, "model_not_found" | "model_decommissioned">([
    ["llama-3.3-70b-versatile", "model_not_found"],
    ["llama-3.1-8b-instant", "model_decommissioned"],
    ["qwen/qwen3-32b", "model_decommissioned"],
  ]);
  /**
   * Resend's answers to successive sends, used up in order, then 200. A number is an
   * HTTP error status; "lost" delivers the email but answers 500, like a reply lost on the way.
   */
  resendReplies: (number | "lost")[] = [];
  /** Emails Resend delivered. Like Resend, a reused Idempotency-Key replays the first answer and delivers nothing new. */
  deliveredEmails: Email[] = [];
  private resendAccepted = new Map<string, string>();
  /** Cal.com's free slots (GET /v2/slots): local date -> slot starts as Cal.com writes them. */
  calcomSlots: Record<string, string[]> = {};
  /**
   * The organisation the scripted Cal.com user belongs to (`<org>.cal.com/<user>/<event>`). Like Cal.com, the
   * user is found only under its own `organizationSlug` (query for slots, body for bookings); otherwise 404.
   */
  calcomOrganization: string | null = null;
  private serials = new Map<string, number>();
  /** Numbers that texted STOP to Twilio: a send to them gets error 21610, as Twilio answers. */
  twilioUnsubscribed = new Set<string>();
  /** Twilio's answers to successive sends, used up in order, then accepted: a TwilioError, or "lost" (accepted, reply lost). */
  twilioReplies: (TwilioError | "lost")[] = [];
  /** Texts Twilio accepted (a lost reply's text too: Twilio has no idempotency key, a resend would arrive twice). */
  deliveredTexts: Text[] = [];
  /** What GET /call/{id} answers: Vapi's call object, or an HTTP error status. Unknown ids are 404. */
  vapiCallState = new Map<string, Record<string, unknown> | number>();
  /** Google's token endpoint and Calendar API (tests/helpers/fakeGoogle.ts). */
  google: FakeGoogle;
  /** Answers to successive live-control POSTs, used up in order, then 200. */
  controlReplies: Reply[] = [];
  /** Cal.com bookings and Calendly events as the agency's and prospects' accounts hold them (fakeBookingProviders.ts). */
  providers: FakeBookingProviders;
  /** Runs as each request arrives, before it is answered: the world changing while a request is in flight. */
  onRequest?: (req: RecordedRequest) => Promise<void> | void;

  constructor() {
    this.google = new FakeGoogle(
      () => this.requests,
      (method, match, handle) => this.on(method, match, handle),
    );
    this.on("POST", /^https:\/\/api\.vapi\.ai\/call$/, (req) => {
      // Vapi validates the body (OpenAPI CreateCustomerDTO) and refuses the whole call.
      const name = (req.body as { customer?: { name?: unknown } } | undefined)?.customer?.name;
      if (typeof name === "string" && name.length > 40) {
        return { status: 400, json: { message: ["customer.name must be shorter than or equal to 40 characters"], error: "Bad Request", statusCode: 400 } };
      }
      const id = `vapi-call-${this.serial("vapi")}`;
      // Vapi's create reply carries the call's live listen and control URLs (monitor).
      return { status: 201, json: { id, status: "queued", monitor: { listenUrl: `wss://${VAPI_MONITOR_HOST}/${id}/listen`, controlUrl: controlUrlOf(id) } } };
    });
    // Live call control: a transfer (or say, end-call) posted to a call's control URL.
    this.on("POST", new RegExp(`^https://${VAPI_MONITOR_HOST.replace(/\./g, "\\.")}/[^/]+/control$`), () => this.controlReplies.shift() ?? { status: 200, json: {} });
    this.on("GET", /^https:\/\/api\.vapi\.ai\/call\/[^/?]+$/, (req) => {
      const id = decodeURIComponent(req.url.split("/").pop()!);
      const state = this.vapiCallState.get(id);
      if (state === undefined) return { status: 404, json: { message: `call ${id} not found` } };
      if (typeof state === "number") return { status: state, json: { message: `scripted ${state}` } };
      return { status: 200, json: { id, ...state } };
    });
    this.on("POST", /^https:\/\/api\.groq\.com\/openai\/v1\/chat\/completions$/, (req) => groqAnswer(this.groq(req.body as GroqRequest)));
    this.on("POST", /^https:\/\/api\.resend\.com\/emails$/, (req) => this.resendSend(req));
    this.on("POST", /^https:\/\/slack\.com\/api\/auth\.test$/, () => ({ json: { ok: true, team: "Fake team" } }));
    this.on("POST", /^https:\/\/slack\.com\/api\/chat\.postMessage$/, () => ({ json: { ok: true, ts: `${this.serial("slack")}.000100` } }));
    const twilioAccount = /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/([^/]+)\.json$/;
    this.on("GET", twilioAccount, (req) => ({ json: { sid: decodeURIComponent(twilioAccount.exec(req.url)![1]), status: "active" } }));
    this.on("POST", TWILIO_MESSAGES, (req) => this.twilioSend(req));
    this.on("GET", /^https:\/\/api\.cal\.(com|eu)\/v2\/slots(\?|$)/, (req) => {
      if (!this.calcomUserFound(new URL(req.url).searchParams.get("organizationSlug"))) return this.calcomUserNotFound();
      return {
        json: {
          status: "success",
          data: Object.fromEntries(Object.entries(this.calcomSlots).map(([day, starts]) => [day, starts.map((start) => ({ start }))])),
        },
      };
    });
    this.on("POST", /^https:\/\/api\.cal\.(com|eu)\/v2\/bookings$/, (req) => {
      if (!this.calcomUserFound((req.body as { organizationSlug?: string } | undefined)?.organizationSlug ?? null)) return this.calcomUserNotFound();
      const n = this.serial("calcom");
      const body = req.body as { start: string; attendee: { email: string } };
      // The host is the link's owner (the prospect); the agency booking on it is the attendee.
      this.providers.calcomBookings.set(`bk_${n}`, { uid: `bk_${n}`, start: body.start, attendeeEmail: body.attendee.email });
      return { status: 201, json: { status: "success", data: { id: n, uid: `bk_${n}`, status: "accepted" } } };
    });
    this.providers = new FakeBookingProviders((method, match, handle) => this.on(method, match, handle));
  }

  /** Adds (or overrides: the newest route wins) a handler. */
  on(method: string, match: RegExp, handle: Route): this {
    this.routes.unshift({ method, match, handle });
    return this;
  }

  /** Answers matching requests with these replies in order; the last one repeats. */
  answer(method: string, match: RegExp, ...replies: Reply[]): this {
    const queue = [...replies];
    return this.on(method, match, () => (queue.length > 1 ? queue.shift()! : queue[0]));
  }

  /** Vapi's call create answers with this status and body from now on. */
  failVapiCreate(status: number, json: unknown): this {
    return this.on("POST", /^https:\/\/api\.vapi\.ai\/call$/, () => ({ status, json }));
  }

  /** Live-control POSTs (transfers) received, in order. */
  get controlRequests(): RecordedRequest[] {
    return this.to(/\/control$/);
  }

  get groqRequests(): RecordedRequest[] {
    return this.to("api.groq.com");
  }

  get vapiCreates(): RecordedRequest[] {
    return this.to(/^https:\/\/api\.vapi\.ai\/call$/);
  }

  /** Every send request Resend received, read as an email: a retried send appears again. */
  get emailRequests(): Email[] {
    return this.to(/^https:\/\/api\.resend\.com\/emails$/).map(readEmail);
  }

  to(host: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => (typeof host === "string" ? r.url.includes(host) : host.test(r.url)));
  }

  private calcomUserFound(organizationSlug: string | null): boolean {
    return organizationSlug === this.calcomOrganization;
  }

  private calcomUserNotFound(): Reply {
    return { status: 404, json: { status: "error", error: { code: "NotFoundException", message: "User not found" } } };
  }

  private serial(kind: string): number {
    const n = (this.serials.get(kind) ?? 0) + 1;
    this.serials.set(kind, n);
    return n;
  }

  /** Twilio's Messages API: Basic auth for the account in the URL, form body, the 201 message resource or its error body. */
  private twilioSend(req: RecordedRequest): Reply {
    const accountSid = decodeURIComponent(TWILIO_MESSAGES.exec(req.url)![1]);
    const [user] = atob((req.headers.authorization ?? "").replace(/^Basic /, "")).split(":");
    if (user !== accountSid) return twilioError(new TwilioError(401, 20003, "Authenticate"));
    const form = new URLSearchParams(req.raw);
    const [to, from, body] = [form.get("To") ?? "", form.get("From") ?? "", form.get("Body") ?? ""];
    if (!from) return twilioError(new TwilioError(400, 21603, "A 'From' phone number is required."));
    if (!body) return twilioError(new TwilioError(400, 21602, "Message body is required."));
    if (this.twilioUnsubscribed.has(to)) return twilioError(new TwilioError(400, 21610, "Attempt to send to unsubscribed recipient"));
    const next = this.twilioReplies.shift();
    if (next instanceof TwilioError) return twilioError(next);
    const sid = `SM${this.serial("sms").toString(16).padStart(32, "0")}`;
    this.deliveredTexts.push({ accountSid, to, from, body, sid });
    if (next === "lost") return new Error("socket hang up");
    return { status: 201, json: twilioMessage({ accountSid, sid, to, from, body }, Date.now()) };
  }

  private resendSend(req: RecordedRequest): Reply {
    const reply = this.resendReplies.shift() ?? 200;
    if (typeof reply === "number" && reply !== 200) return resendError(reply, `scripted ${reply}`);
    const key = req.headers["idempotency-key"];
    let id = key === undefined ? undefined : this.resendAccepted.get(key);
    if (id === undefined) {
      this.deliveredEmails.push(readEmail(req));
      id = `email-${this.deliveredEmails.length}`;
      if (key !== undefined) this.resendAccepted.set(key, id);
    }
    return reply === "lost" ? resendError(500, "reply lost") : { status: 200, json: { id } };
  }

  /** Groq's answer: its own refusals of the request first (as the real API checks them), then the scripted reply. */
  private groq(body: GroqRequest): Reply | GroqErrorReply {
    const unserved = this.groqUnservedModels.get(body.model);
    if (unserved) return groqModelUnavailable(body.model, unserved);
    const effort = body.reasoning_effort;
    if (effort !== undefined && !(GPT_OSS.test(body.model) && ["low", "medium", "high"].includes(effort))) {
      return groqBadRequest(`reasoning_effort ${effort} is not supported with this model`);
    }
    const format = body.response_format;
    if (format?.type === "json_object" && !body.messages.some((m) => /json/i.test(m.content))) {
      return groqBadRequest("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.");
    }
    const strictSchema = format?.type === "json_schema" && format.json_schema?.strict ? format.json_schema.schema : undefined;
    if (strictSchema) {
      if (!GPT_OSS.test(body.model)) return groqBadRequest(`model ${body.model} does not support strict structured outputs`);
      const problem = strictSchemaProblem(strictSchema);
      if (problem) return groqBadRequest(`invalid JSON schema for response_format: ${problem}`);
    }
    const next = this.groqReplies.length > 1 ? this.groqReplies.shift()! : this.groqReplies[0];
    if (next === undefined) return { status: 500, json: { error: { message: "no scripted reply" } } };
    if (next instanceof GroqErrorReply) return next;
    if (typeof next === "number") return { status: next, json: { error: { message: `scripted ${next}` } } };
    const content = typeof next === "string" ? next : JSON.stringify(this.decoded(next, strictSchema));
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

  /** The reply as the model writes it: under a strict schema every property, null where the script says nothing. */
  private decoded(next: GroqReply, strictSchema: JsonSchemaNode | undefined): Record<string, unknown> {
    const reply: Record<string, unknown> = { reasoning: "", rejectionDetected: false, ...next };
    for (const name of Object.keys(strictSchema?.properties ?? {})) reply[name] ??= null;
    return reply;
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
      raw,
      at: Date.now(),
    };
    this.requests.push(recorded);
    await this.onRequest?.(recorded);
    const route = this.routes.find((r) => r.method === request.method && r.match.test(request.url));
    if (!route) throw new Error(`test tried to reach the network: ${request.method} ${request.url}`);
    const reply = await route.handle(recorded);
    if (reply instanceof Error) throw reply;
    // 204 No Content (Google's events.delete) has no body at all.
    return new Response(reply.status === 204 ? null : (reply.text ?? JSON.stringify(reply.json ?? {})), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  };

  install(): this {
    vi.stubGlobal("fetch", this.fetch);
    return this;
  }
}

function groqAnswer(reply: Reply | GroqErrorReply): Reply {
  return reply instanceof GroqErrorReply ? { status: reply.status, json: { error: reply.error } } : reply;
}

/** Where the fake Vapi's monitor URLs live (Vapi's are phone-call-websocket.<region>.vapi.ai). */
export const VAPI_MONITOR_HOST = "phone-call-websocket.fake.vapi.ai";

/** The control URL the fake Vapi gives the call it created with this id. */
export function controlUrlOf(vapiCallId: string): string {
  return `https://${VAPI_MONITOR_HOST}/${vapiCallId}/control`;
}

export const TEST_ENV = {
  VAPI_API_KEY: "vapi-test-key",
  VAPI_PHONE_NUMBER_ID: "phone-number-1",
  VAPI_ASSISTANT_ID: "assistant-1",
  VAPI_CALLBACK_ASSISTANT_ID: "callback-assistant-1",
  VAPI_WEBHOOK_SECRET: "webhook-secret-123",
  GROQ_API_KEY: "groq-test-key",
  TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000001",
  TWILIO_AUTH_TOKEN: "twilio-deployment-token",
  RESEND_API_KEY: "resend-test-key",
  EMAIL_FROM: "Atlas <atlas@example.com>",
  GOOGLE_CLIENT_ID: GOOGLE_TEST_CLIENT.id,
  GOOGLE_CLIENT_SECRET: GOOGLE_TEST_CLIENT.secret,
  GOOGLE_REDIRECT_URI: "https://happy-otter-123.convex.site/oauth/google/callback",
  /** 32 bytes, base64: tests only. */
  ATLAS_ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
};

export function stubTestEnv(overrides: Partial<Record<keyof typeof TEST_ENV, string>> = {}): void {
  for (const [k, val] of Object.entries({ ...TEST_ENV, ...overrides })) vi.stubEnv(k, val);
}

/**
 * The model request and its failures, without a backend: the strict schema derived
 * from the reply's zod definition, the request per model, and what Groq's errors mean.
 */
import { APIError } from "groq-sdk";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { analysisReply, ANALYSIS_REPLY_SCHEMA, InvalidReplyError, parseAnalysisReply } from "../../convex/model/analysis/reply";
import { completionRequest, DEFAULT_GROQ_MODEL, groqFailure, groqModel } from "../../convex/model/providers/groq";
import { acceptsNull, nullsAsAbsent, strictJsonSchema, type JsonSchema } from "../../convex/model/providers/structuredOutput";

type Node = JsonSchema & { properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; required?: string[] };

/** Every object schema in `schema`, at any depth, with its path. */
function objectsIn(schema: Node, path = "$"): [string, Node][] {
  const own: [string, Node][] = schema.type === "object" || schema.properties ? [[path, schema]] : [];
  return [
    ...own,
    ...Object.entries(schema.properties ?? {}).flatMap(([name, child]) => objectsIn(child, `${path}.${name}`)),
    ...(schema.items ? objectsIn(schema.items, `${path}[]`) : []),
    ...(schema.anyOf ?? []).flatMap((child, i) => objectsIn(child, `${path}|${i}`)),
  ];
}

function firstType(schema: Node): string {
  if (schema.anyOf) return firstType(schema.anyOf.find((s) => !acceptsNull(s)) ?? schema.anyOf[0]);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  return types.find((t) => t !== "null") ?? "null";
}

/**
 * A value the schema admits, built from the schema alone (so it follows any field
 * added to the reply): null wherever null is allowed when `nulls`, else a value.
 */
function instanceOf(schema: Node, nulls: boolean): unknown {
  if (nulls && acceptsNull(schema)) return null;
  // A union: a value of its first branch that is not null (a nested object's properties live there).
  if (schema.anyOf) return instanceOf(schema.anyOf.find((s) => !acceptsNull(s)) ?? schema.anyOf[0], nulls);
  if (Array.isArray(schema.enum)) return schema.enum.find((v) => v !== null);
  switch (firstType(schema)) {
    case "object":
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, child]) => [name, instanceOf(child, nulls)]));
    case "array":
      return [instanceOf(schema.items ?? {}, nulls)];
    case "string":
      return "2026-11-24T14:00:00-05:00";
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    default:
      return null;
  }
}

describe("the strict schema derived from analysisReply", () => {
  const schema = ANALYSIS_REPLY_SCHEMA.schema as Node;

  test("lists every field of the zod definition", () => {
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(Object.keys(analysisReply.shape).sort());
  });

  test("every object, at any depth, is closed and requires all its properties", () => {
    const objects = objectsIn(schema);
    expect(objects.map(([path]) => path)).toEqual(expect.arrayContaining(["$", "$.qualificationAnswers[]"]));
    for (const [path, object] of objects) {
      expect({ path, additionalProperties: object.additionalProperties }).toEqual({ path, additionalProperties: false });
      expect({ path, required: [...(object.required ?? [])].sort() }).toEqual({ path, required: Object.keys(object.properties ?? {}).sort() });
    }
  });

  test("optional fields are nullable, required ones are not", () => {
    const properties = schema.properties!;
    for (const name of ["proposedTimes", "callbackRequested", "optOut", "reasoning", "slotIso"]) expect(acceptsNull(properties[name])).toBe(true);
    for (const name of ["meetingBooked", "confidence"]) expect(acceptsNull(properties[name])).toBe(false);
  });

  test("keeps only keywords strict mode takes (no $schema, defaults or bounds)", () => {
    const text = JSON.stringify(schema);
    for (const keyword of ["$schema", "default", "minimum", "maximum"]) expect(text).not.toContain(`"${keyword}"`);
  });

  test.each([
    ["null wherever allowed", true],
    ["a value everywhere", false],
  ])("a reply that satisfies it (%s) parses with parseAnalysisReply", (_label, nulls) => {
    const reply = instanceOf(schema, nulls) as Record<string, unknown>;
    expect(Object.keys(reply).sort()).toEqual(Object.keys(schema.properties!).sort());
    const parsed = parseAnalysisReply(JSON.stringify(reply));
    expect(parsed).toMatchObject({ meetingBooked: true, confidence: 1 });
    if (nulls) {
      expect(parsed).toMatchObject({ slotIso: null, evidence: null, reasoning: "", rejectionDetected: false });
      expect(parsed.proposedTimes).toBeUndefined();
      expect(parsed.optOut).toBeUndefined();
    } else {
      expect(parsed.qualificationAnswers).toHaveLength(1);
    }
  });

  test("a null in a field that must have a value is still refused", () => {
    const reply = { ...(instanceOf(schema, true) as object), meetingBooked: null };
    expect(() => parseAnalysisReply(JSON.stringify(reply))).toThrow(InvalidReplyError);
  });
});

describe("strictJsonSchema and nullsAsAbsent on any zod object", () => {
  const reply = z.object({
    kind: z.enum(["a", "b"]),
    note: z.string().optional(),
    choice: z.enum(["x", "y"]).optional(),
    fixed: z.literal("x").optional(),
    either: z.union([z.object({ at: z.number() }), z.string()]).optional(),
    nested: z.object({ at: z.number(), label: z.string().optional() }).optional(),
    list: z.array(z.object({ id: z.string(), extra: z.boolean().optional() })).optional(),
  });
  const input = z.toJSONSchema(reply, { io: "input" }) as JsonSchema;
  const strict = strictJsonSchema(input) as Node;

  test("nested and listed objects are closed and fully required; optional ones nullable in each shape", () => {
    for (const [, object] of objectsIn(strict)) {
      expect(object.additionalProperties).toBe(false);
      expect(object.required).toEqual(Object.keys(object.properties ?? {}));
    }
    const p = strict.properties!;
    expect(p.note.type).toEqual(["string", "null"]);
    expect(p.choice).toMatchObject({ type: ["string", "null"], enum: ["x", "y", null] });
    expect(p.fixed).toEqual({ type: ["string", "null"], enum: ["x", null] });
    expect(p.either.anyOf).toContainEqual({ type: "null" });
    expect(p.either.anyOf).toContainEqual({ type: "object", properties: { at: { type: "number" } }, required: ["at"], additionalProperties: false });
    expect(acceptsNull(p.nested)).toBe(true);
    expect(acceptsNull(p.kind)).toBe(false);
  });

  test("nulls the model wrote for optional fields read back as absent, at any depth", () => {
    const written = { kind: "a", note: null, choice: null, fixed: null, either: null, nested: { at: 3, label: null }, list: [{ id: "1", extra: null }] };
    const read = nullsAsAbsent(written, input);
    expect(read).toEqual({ kind: "a", nested: { at: 3 }, list: [{ id: "1" }] });
    expect(reply.safeParse(read).success).toBe(true);
    expect(reply.safeParse(written).success).toBe(false);
  });

  test("a null in a required field stays, so validation refuses it", () => {
    expect(nullsAsAbsent({ kind: null }, input)).toEqual({ kind: null });
  });
});

describe("the request per model", () => {
  const messages = [{ role: "user" as const, content: "Reply as JSON." }];

  test("gpt-oss: strict json_schema and low reasoning effort", () => {
    expect(completionRequest("openai/gpt-oss-120b", messages, ANALYSIS_REPLY_SCHEMA)).toEqual({
      model: "openai/gpt-oss-120b",
      temperature: 0,
      messages,
      reasoning_effort: "low",
      response_format: { type: "json_schema", json_schema: { name: "call_analysis", schema: ANALYSIS_REPLY_SCHEMA.schema, strict: true } },
    });
  });

  test("any other model: JSON mode, no reasoning effort", () => {
    const request = completionRequest("meta-llama/llama-4-scout-17b-16e-instruct", messages, ANALYSIS_REPLY_SCHEMA);
    expect(request.response_format).toEqual({ type: "json_object" });
    expect(request).not.toHaveProperty("reasoning_effort");
  });

  test("GROQ_MODEL overrides the default, blank means the default", () => {
    expect(DEFAULT_GROQ_MODEL).toBe("openai/gpt-oss-120b");
    const saved = process.env.GROQ_MODEL;
    try {
      process.env.GROQ_MODEL = " openai/gpt-oss-20b ";
      expect(groqModel()).toBe("openai/gpt-oss-20b");
      process.env.GROQ_MODEL = "";
      expect(groqModel()).toBe(DEFAULT_GROQ_MODEL);
    } finally {
      if (saved === undefined) delete process.env.GROQ_MODEL;
      else process.env.GROQ_MODEL = saved;
    }
  });
});

describe("what Groq's errors mean", () => {
  /** The error groq-sdk throws for this HTTP answer (the body as Groq sends it). */
  const answer = (status: number, error: Record<string, unknown>) => APIError.generate(status, { error }, undefined, new Headers());

  test.each<[string, APIError, string, string]>([
    ["404 model_not_found", answer(404, { message: "The model `x` does not exist", type: "invalid_request_error", code: "model_not_found" }), "model_unavailable", "Groq HTTP 404 model_not_found"],
    ["400 model_decommissioned", answer(400, { message: "decommissioned", type: "invalid_request_error", code: "model_decommissioned" }), "model_unavailable", "Groq HTTP 400 model_decommissioned"],
    ["400 json_validate_failed", answer(400, { message: "Failed to generate JSON", code: "json_validate_failed", failed_generation: "{\"meetingBooked\": tru" }), "transient", "Groq HTTP 400 json_validate_failed"],
    ["a plain 400", answer(400, { message: "bad", type: "invalid_request_error" }), "final", "Groq HTTP 400"],
    ["401", answer(401, { message: "Invalid API Key", code: "invalid_api_key" }), "final", "Groq HTTP 401 invalid_api_key"],
    ["404 without a model code", answer(404, { message: "Unknown request URL" , code: "unknown_url" }), "final", "Groq HTTP 404 unknown_url"],
    ["429", answer(429, { message: "Rate limit reached", code: "rate_limit_exceeded" }), "transient", "Groq HTTP 429 rate_limit_exceeded"],
    ["503", answer(503, { message: "Service Unavailable" }), "transient", "Groq HTTP 503"],
  ])("%s", (_label, error, kind, summary) => {
    expect(groqFailure(error)).toEqual({ kind, summary });
  });

  test("the summary never carries Groq's message or the failed generation", () => {
    const error = answer(400, { message: "Failed: Dana said yes", code: "json_validate_failed", failed_generation: "Dana said yes" });
    expect(groqFailure(error)?.summary).not.toMatch(/Dana/);
  });

  test("a code that is not a plain identifier is left out", () => {
    expect(groqFailure(answer(400, { code: "call +1 201 555 0123" }))).toEqual({ kind: "final", summary: "Groq HTTP 400" });
  });

  test("anything that is not a Groq answer is not classified here", () => {
    expect(groqFailure(new Error("boom"))).toBeNull();
  });
});

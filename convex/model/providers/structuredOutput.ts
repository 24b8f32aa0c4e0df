/**
 * Structured outputs in strict mode (constrained decoding, OpenAI-compatible APIs
 * such as Groq's) accept a subset of JSON Schema: every object closed
 * (`additionalProperties: false`), every property `required`, an optional one
 * written as nullable. These turn the JSON Schema zod generates for a reply into
 * that form, and read the model's nulls back as the absences zod expects, so the
 * schema the model is held to and the one the reply is validated with are one.
 */

export type JsonSchema = { [keyword: string]: unknown };

/**
 * Keywords passed to the model. Constraints strict mode may refuse (bounds,
 * lengths, patterns, formats) are left out: zod still checks them on parse,
 * and a reply that breaks one is retried like any invalid reply.
 */
const STRICT_KEYWORDS = new Set(["type", "properties", "required", "additionalProperties", "items", "anyOf", "enum", "const", "description"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  return isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
}

function requiredOf(schema: JsonSchema): Set<string> {
  return new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
}

/** Whether a schema admits null (an empty schema admits anything). */
export function acceptsNull(schema: JsonSchema): boolean {
  if (Object.keys(schema).length === 0) return true;
  if (schema.type === "null" || (Array.isArray(schema.type) && schema.type.includes("null"))) return true;
  if (schema.const === null || (Array.isArray(schema.enum) && schema.enum.includes(null))) return true;
  return Array.isArray(schema.anyOf) && (schema.anyOf as JsonSchema[]).some(acceptsNull);
}

function nullable(schema: JsonSchema): JsonSchema {
  if (acceptsNull(schema)) return schema;
  // A fixed value (const, enum) must list null too, or the added type would admit nothing new.
  const { const: constant, ...rest } = schema;
  const values = "const" in schema ? [constant] : Array.isArray(schema.enum) ? schema.enum : undefined;
  const withNullValues = values ? { ...rest, enum: [...values, null] } : schema;
  if (typeof schema.type === "string") return { ...withNullValues, type: [schema.type, "null"] };
  if (Array.isArray(schema.type)) return { ...withNullValues, type: [...schema.type, "null"] };
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, { type: "null" }] };
  return { anyOf: [schema, { type: "null" }] };
}

/**
 * A strict-mode-valid copy of `schema`: every object closed with all its
 * properties required, the ones that were optional made nullable, at any depth.
 */
export function strictJsonSchema(schema: JsonSchema): JsonSchema {
  const strict: JsonSchema = Object.fromEntries(Object.entries(schema).filter(([keyword]) => STRICT_KEYWORDS.has(keyword)));
  if (isObject(schema.items)) strict.items = strictJsonSchema(schema.items);
  if (Array.isArray(schema.anyOf)) strict.anyOf = (schema.anyOf as JsonSchema[]).map(strictJsonSchema);
  const isObjectType = schema.type === "object" || (Array.isArray(schema.type) && schema.type.includes("object"));
  if (isObjectType || isObject(schema.properties)) {
    const required = requiredOf(schema);
    const properties = Object.entries(propertiesOf(schema)).map(([name, property]) => {
      const strictProperty = strictJsonSchema(property);
      return [name, required.has(name) ? strictProperty : nullable(strictProperty)] as const;
    });
    strict.properties = Object.fromEntries(properties);
    strict.required = properties.map(([name]) => name);
    strict.additionalProperties = false;
  }
  return strict;
}

/**
 * A reply written against `strictJsonSchema(schema)`, read against `schema`:
 * null in a property that was optional and does not admit null means "absent".
 */
export function nullsAsAbsent(value: unknown, schema: JsonSchema): unknown {
  if (Array.isArray(value)) return isObject(schema.items) ? value.map((item) => nullsAsAbsent(item, schema.items as JsonSchema)) : value;
  if (!isObject(value) || !isObject(schema.properties)) return value;
  const properties = propertiesOf(schema);
  const required = requiredOf(schema);
  const read: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    const property = properties[name];
    if (item === null && property && !required.has(name) && !acceptsNull(property)) continue;
    read[name] = property ? nullsAsAbsent(item, property) : item;
  }
  return read;
}

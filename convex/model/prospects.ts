/**
 * A prospect's fields as they arrive from a CRM (POST /api/leads), an import or staff:
 * one reading for all of them. Errors name the field and say why, never the value
 * (they are returned to callers and reach logs).
 */
import { z } from "zod";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Doc, Id } from "../_generated/dataModel";
import { isEmailAddress } from "./channels/email";
import { PhoneError, toE164 } from "./scheduling/phone";
import { assertTimeZone, AvailabilityError } from "./scheduling/availability";
import { inferredZoneFields } from "./scheduling/prospectZone";
import { logEvent } from "./log";

export interface FieldError {
  field: string;
  reason: string;
}

export const MAX_NAME_CHARS = 200;
export const MAX_SOURCE_CHARS = 100;

/** CRMs send null or "" for an empty field (Zapier, GoHighLevel): both mean absent. */
const absentIfEmpty = (value: unknown) => (value === null || (typeof value === "string" && value.trim() === "") ? undefined : value);
const optionalText = (max: number) => z.preprocess(absentIfEmpty, z.string().trim().max(max).optional());

/** The shape of a prospect's fields; unknown extra fields (CRMs add many) are ignored. */
export const prospectInput = z.object({
  name: z.string().trim().min(1).max(MAX_NAME_CHARS),
  phone: z.string().trim().min(1).max(40),
  email: optionalText(254),
  timeZone: optionalText(64),
  source: optionalText(MAX_SOURCE_CHARS),
});

/** What a lead posted to the API adds: dial at once (else the agency's setting decides). */
export const leadInput = prospectInput.extend({
  callNow: z.preprocess((value) => (value === null ? undefined : value), z.boolean().optional()),
});

export interface Prospect {
  name: string;
  /** E.164 */
  phone: string;
  email?: string;
  timeZone?: string;
  source?: string;
}

/** Why a zod issue refused a field, in words that never carry the value. */
function reasonFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "is required" : `must be a ${issue.expected}`;
    case "too_small":
      return "is empty";
    case "too_big":
      return `is longer than ${String(issue.maximum)} characters`;
    default:
      return "is invalid";
  }
}

/** The field's own error from a check that names it first ("phone is not a valid number for US"). */
function ownReason(field: string, message: string): FieldError {
  return { field, reason: message.startsWith(`${field} `) ? message.slice(field.length + 1) : message };
}

/** The checks beyond shape: a dialable number, a plausible address, a known zone. */
export function checkProspectFields(fields: { phone?: string; email?: string; timeZone?: string }): {
  phone?: string;
  errors: FieldError[];
} {
  const errors: FieldError[] = [];
  let phone: string | undefined;
  if (fields.phone !== undefined) {
    try {
      phone = toE164(fields.phone);
    } catch (e) {
      if (!(e instanceof PhoneError)) throw e;
      errors.push(ownReason("phone", e.message));
    }
  }
  if (fields.email !== undefined && !isEmailAddress(fields.email)) errors.push({ field: "email", reason: "is not a valid address" });
  if (fields.timeZone !== undefined) {
    try {
      assertTimeZone(fields.timeZone);
    } catch (e) {
      if (!(e instanceof AvailabilityError)) throw e;
      errors.push(ownReason("timeZone", e.message));
    }
  }
  return { phone, errors };
}

export type Reading<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Reads raw input with `schema`, then checks the phone, email and zone: every error at once. */
export function readWith<S extends typeof prospectInput | typeof leadInput>(schema: S, raw: unknown): Reading<z.output<S>> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: "body", reason: "must be a JSON object" }] };
  }
  const parsed = schema.safeParse(raw, { reportInput: true });
  const errors: FieldError[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ field: issue.path.join(".") || "body", reason: reasonFor(issue) }));
  const shaped = parsed.success ? parsed.data : null;
  // A field that failed its shape is reported once, by its shape; the others are still checked.
  const field = (name: "phone" | "email" | "timeZone") =>
    errors.some((e) => e.field === name) ? undefined : shaped ? shaped[name] : stringField(raw, name);
  const checked = checkProspectFields({ phone: field("phone"), email: field("email"), timeZone: field("timeZone") });
  errors.push(...checked.errors);
  if (errors.length > 0 || !shaped) return { ok: false, errors };
  return { ok: true, value: { ...shaped, phone: checked.phone! } as z.output<S> };
}

function stringField(raw: object, name: string): string | undefined {
  const value = (raw as Record<string, unknown>)[name];
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

/** A prospect's fields read from raw input, phone in E.164. */
export function readProspect(raw: unknown): Reading<Prospect> {
  return readWith(prospectInput, raw);
}

/** The agency's prospect with this number (E.164), if any: the same phone is the same prospect. */
export async function prospectByPhone(ctx: QueryCtx | MutationCtx, agencyId: Id<"agencies">, phone: string) {
  return await ctx.db
    .query("opportunities")
    .withIndex("by_agency_and_phone", (q) => q.eq("agencyId", agencyId).eq("phone", phone))
    .first();
}

/** Writes a new prospect (fields already read): the zone as given, else inferred from the number. */
export async function insertProspect(
  ctx: MutationCtx,
  agency: Doc<"agencies">,
  prospect: Prospect,
  origin: { source: NonNullable<Doc<"opportunities">["source"]>; bookingProcess?: Doc<"opportunities">["bookingProcess"] },
): Promise<Id<"opportunities">> {
  const id = await ctx.db.insert("opportunities", {
    agencyId: agency._id,
    name: prospect.name.trim(),
    phone: prospect.phone,
    email: prospect.email,
    ...(prospect.timeZone !== undefined
      ? { timeZone: prospect.timeZone, timeZoneSource: "given" as const }
      : inferredZoneFields(prospect.phone, agency.timeZone)),
    status: "New",
    source: origin.source,
    leadSource: prospect.source,
    bookingProcess: origin.bookingProcess,
  });
  logEvent("opportunity.created", { opportunityId: id, agencyId: agency._id, source: origin.source, bookingProcess: origin.bookingProcess });
  return id;
}

/**
 * An agency's staff-callback settings (callbacks.configure): validated here,
 * stored in their own table (callbackSettings), never on the agency.
 */
import { ConvexError } from "convex/values";
import { PhoneError, toE164 } from "../scheduling/phone";

export const CALLBACK_DEFAULTS = { maxAttempts: 0, retryDelayMinutes: 5, maxCallbacksPerDay: 20 } as const;
/** Retries after the first staff call. */
export const MAX_CALLBACK_RETRIES = 3;
const MAX_RETRY_DELAY_MINUTES = 24 * 60;
const MAX_CALLBACKS_PER_DAY = 1000;

export interface CallbackSettingsInput {
  enabled: boolean;
  staffPhone?: string;
  maxAttempts?: number;
  retryDelayMinutes?: number;
  maxCallbacksPerDay?: number;
}

export interface CallbackSettings {
  enabled: boolean;
  staffPhone: string;
  maxAttempts: number;
  retryDelayMinutes: number;
  maxCallbacksPerDay: number;
}

function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new ConvexError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/** The settings to store, every field checked first; errors name the field and why, never the value. */
export function checkCallbackSettings(input: CallbackSettingsInput): CallbackSettings {
  if (!input.staffPhone?.trim()) throw new ConvexError("staffPhone is required: the number the AI calls staff on");
  let staffPhone: string;
  try {
    staffPhone = toE164(input.staffPhone, "US", "staffPhone");
  } catch (e) {
    if (e instanceof PhoneError) throw new ConvexError(e.message);
    throw e;
  }
  const d = CALLBACK_DEFAULTS;
  return {
    enabled: input.enabled,
    staffPhone,
    maxAttempts: whole("maxAttempts", input.maxAttempts ?? d.maxAttempts, 0, MAX_CALLBACK_RETRIES),
    retryDelayMinutes: whole("retryDelayMinutes", input.retryDelayMinutes ?? d.retryDelayMinutes, 1, MAX_RETRY_DELAY_MINUTES),
    maxCallbacksPerDay: whole("maxCallbacksPerDay", input.maxCallbacksPerDay ?? d.maxCallbacksPerDay, 1, MAX_CALLBACKS_PER_DAY),
  };
}

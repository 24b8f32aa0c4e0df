import { parsePhoneNumberWithError, type CountryCode } from "libphonenumber-js";

export class PhoneError extends Error {}

/** Normalises a phone number to E.164; numbers without a + are read as `defaultCountry` (US). */
export function toE164(raw: string, defaultCountry: CountryCode = "US"): string {
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(raw.trim(), defaultCountry);
  } catch {
    throw new PhoneError(`invalid phone number "${raw}"`);
  }
  if (!parsed.isValid()) throw new PhoneError(`invalid phone number "${raw}"`);
  return parsed.number;
}

/** Last digits only, for logs and staff views that must not show the whole number. */
export function maskPhone(e164: string): string {
  return `***${e164.slice(-2)}`;
}

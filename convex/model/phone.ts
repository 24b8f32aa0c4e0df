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

/** The country of a stored E.164 number (to read local numbers the prospect says), US when unknown. */
export function countryOf(e164: string): CountryCode {
  try {
    return parsePhoneNumberWithError(e164).country ?? "US";
  } catch {
    return "US";
  }
}

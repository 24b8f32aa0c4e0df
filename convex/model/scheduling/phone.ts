import { parsePhoneNumberWithError, type CountryCode } from "libphonenumber-js";

/** A number that is not a phone number. The message names the field, never the number (errors reach Convex's logs). */
export class PhoneError extends Error {}

/**
 * Normalises a phone number to E.164; numbers without a + are read as `defaultCountry` (US).
 * `field` names the input in the error: "phone is not a valid number for US".
 */
export function toE164(raw: string, defaultCountry: CountryCode = "US", field = "phone"): string {
  const text = raw.trim();
  const invalid = () =>
    new PhoneError(`${field} is not a valid ${text.startsWith("+") ? "international phone number" : `number for ${defaultCountry}`}`);
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(text, defaultCountry);
  } catch {
    throw invalid();
  }
  if (!parsed.isValid()) throw invalid();
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

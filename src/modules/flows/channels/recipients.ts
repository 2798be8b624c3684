import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max"
import { SegmentedMessage } from "sms-segments-calculator"

/** A phone number in E.164, or why it cannot be texted. Uses the full metadata, not just lengths. */
export function normalizePhone(raw: string | null | undefined, defaultCountry?: string): { e164: string } | { invalid: string } {
  if (!raw?.trim()) {
    return { invalid: "no phone number" }
  }
  const phone = parsePhoneNumberFromString(raw, defaultCountry as CountryCode | undefined)
  if (!phone?.isValid()) {
    return { invalid: `invalid phone number: ${raw}` }
  }
  return { e164: phone.number }
}

/** How many SMS segments a body takes: GSM-7 fits 160 (153 when split), anything else UCS-2, 70 (67). */
export function countSegments(body: string): { segments: number; encoding: string } {
  const message = new SegmentedMessage(body)
  return { segments: message.segmentsCount, encoding: message.encodingName }
}

/** The number in E.164 when it parses, as given otherwise (to be refused where it is used). */
export function e164OrRaw(phone: string, defaultCountry?: string): string {
  const normalized = normalizePhone(phone, defaultCountry)
  return "e164" in normalized ? normalized.e164 : phone
}

import { z } from "@medusajs/framework/zod"
import { CHANNELS } from "../../../engine/constants"

/** An IANA time zone the runtime knows, e.g. "Europe/Berlin". */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name })
    return true
  } catch {
    return false
  }
}

export const ConsentSchema = z
  .object({
    email: z.email().optional(),
    phone: z.string().trim().min(5).max(32).optional(),
    /** How to read a phone number written without +country code, e.g. "US". */
    country_code: z.string().length(2).optional(),
    first_name: z.string().trim().min(1).max(100).optional(),
    last_name: z.string().trim().min(1).max(100).optional(),
    /**
     * The person's time zone, e.g. from the browser (Intl.DateTimeFormat().resolvedOptions().timeZone):
     * quiet hours for texts follow it.
     */
    timezone: z.string().max(64).refine(isTimeZone, "expected an IANA time zone such as Europe/Berlin").optional(),
    channels: z.array(z.enum(CHANNELS)).min(1),
    /** The channel the person prefers for messages that can go either way ("preferred channel" steps). */
    preferred_channel: z.enum(CHANNELS).optional(),
    /** Where the form was, e.g. "footer-newsletter" or "checkout". */
    source: z.string().trim().min(1).max(100),
    /** The exact text next to the checkbox, kept as evidence. */
    text: z.string().trim().min(1).max(2000),
  })
  .refine((body) => !body.channels.includes("email") || body.email, { message: "email consent needs an email", path: ["email"] })
  .refine((body) => !body.channels.includes("sms") || body.phone, { message: "SMS consent needs a phone number", path: ["phone"] })
export type ConsentBody = z.infer<typeof ConsentSchema>

import { z } from "zod"

export const ConsentSchema = z
  .object({
    email: z.email().optional(),
    phone: z.string().trim().min(5).max(32).optional(),
    /** How to read a phone number written without +country code, e.g. "US". */
    country_code: z.string().length(2).optional(),
    first_name: z.string().trim().min(1).max(100).optional(),
    last_name: z.string().trim().min(1).max(100).optional(),
    channels: z.array(z.enum(["email", "sms"])).min(1),
    /** Where the form was, e.g. "footer-newsletter" or "checkout". */
    source: z.string().trim().min(1).max(100),
    /** The exact text next to the checkbox, kept as evidence. */
    text: z.string().trim().min(1).max(2000),
  })
  .refine((body) => !body.channels.includes("email") || body.email, { message: "email consent needs an email", path: ["email"] })
  .refine((body) => !body.channels.includes("sms") || body.phone, { message: "SMS consent needs a phone number", path: ["phone"] })
export type ConsentBody = z.infer<typeof ConsentSchema>

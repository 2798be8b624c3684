import { z } from "@medusajs/framework/zod"
import {
  CHANNELS,
  emailTemplateSchema,
  FLOW_PRIORITY_MAX,
  FLOW_PRIORITY_MIN,
  FLOW_STATUSES,
  flowDefinitionSchema,
  MESSAGE_STATUSES,
  RUN_STATUSES,
  TRIGGER_EVENTS,
} from "../../../engine"

const pagination = {
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).default(0),
}

/** When two flows' messages for one person compete, the higher priority goes. */
const priority = z.number().int().min(FLOW_PRIORITY_MIN).max(FLOW_PRIORITY_MAX)

export const CreateFlowSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullish(),
  priority: priority.optional(),
  definition: flowDefinitionSchema,
})
export type CreateFlowBody = z.infer<typeof CreateFlowSchema>

export const UpdateFlowSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).nullish(),
    priority: priority.optional(),
    definition: flowDefinitionSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "nothing to update" })
export type UpdateFlowBody = z.infer<typeof UpdateFlowSchema>

export const ListFlowsQuery = z.object({
  ...pagination,
  status: z.enum(FLOW_STATUSES).optional(),
  trigger_event: z.enum(TRIGGER_EVENTS).optional(),
})

export const ListRunsQuery = z.object({
  ...pagination,
  flow_id: z.string().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  subject_id: z.string().optional(),
  /** The cart a run follows now: a person-scoped run's subject is the contact, its cart the newest. */
  cart_id: z.string().optional(),
  email: z.string().optional(),
})

export const ListMessagesQuery = z.object({
  ...pagination,
  flow_id: z.string().optional(),
  run_id: z.string().optional(),
  channel: z.enum(CHANNELS).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  provider: z.string().optional(),
  to: z.string().optional(),
})

export const RetryMessageSchema = z.object({
  /** Required to resend an `uncertain` message, which may already have reached the person. */
  confirm_duplicate_risk: z.boolean().default(false),
})
export type RetryMessageBody = z.infer<typeof RetryMessageSchema>

const previewData = {
  sample: z.enum(["cart", "order", "customer"]).default("cart"),
  /** A real cart, order or customer to render with, instead of the sample. */
  subject: z.object({ type: z.enum(["cart", "order", "customer"]), id: z.string().min(1) }).optional(),
}

// The same bounds as a saved template's: blocks are compiled to preview them, and that costs CPU.
const emailTemplate = emailTemplateSchema
const smsTemplate = z.object({ body: z.string() })

export const PreviewSchema = z.discriminatedUnion("channel", [
  z.object({ channel: z.literal("email"), template: emailTemplate, ...previewData }),
  z.object({ channel: z.literal("sms"), template: smsTemplate, ...previewData }),
])
export type PreviewBody = z.infer<typeof PreviewSchema>

export const TestSendSchema = z.object({
  to: z.string().trim().min(3).max(320),
  ...previewData,
  /** The content as the editor shows it, saved or not; without it, the saved step. */
  template: z.union([emailTemplate, smsTemplate]).optional(),
  /** For a preferred-channel step: which of its templates to send (default: the edited template's, else email). */
  channel: z.enum(CHANNELS).optional(),
})
export type TestSendBody = z.infer<typeof TestSendSchema>

/** A customer's stated channel preference, set from the admin; null clears it. */
export const CustomerPreferenceSchema = z.object({ preferred_channel: z.enum(CHANNELS).nullable() }).strict()
export type CustomerPreferenceBody = z.infer<typeof CustomerPreferenceSchema>

export const SandboxReplySchema = z.object({
  /** The number the reply comes from, in E.164. */
  from: z.string().regex(/^\+[1-9]\d{6,14}$/, "expected an E.164 number such as +12025550143"),
  body: z.string().min(1).max(1600),
})
export type SandboxReplyBody = z.infer<typeof SandboxReplySchema>

const DAY_MS = 86_400_000

/** A date that later arithmetic (the default period, daily buckets) cannot push out of range. */
const analyticsDate = z.coerce
  .date()
  .refine((date) => date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999, "expected a date between the years 1970 and 9999")

export const AnalyticsQuery = z
  .object({
    /** ISO dates or times; the period is [from, to). Default: the 30 days up to now. */
    from: analyticsDate.optional(),
    to: analyticsDate.optional(),
    flow_id: z.string().optional(),
  })
  .transform(({ from, to, flow_id }) => {
    const end = to ?? new Date()
    return { from: from ?? new Date(end.getTime() - 30 * DAY_MS), to: end, flow_id }
  })
  .refine((range) => range.from < range.to, { message: "from must be before to", path: ["from"] })
  .refine((range) => range.to.getTime() - range.from.getTime() <= 366 * DAY_MS, {
    message: "the period can be at most 366 days",
    path: ["from"],
  })
export type AnalyticsQueryType = z.infer<typeof AnalyticsQuery>

export const PromoteVariantSchema = z.object({ variant: z.string().min(1).max(64) })
export type PromoteVariantBody = z.infer<typeof PromoteVariantSchema>
/** The analytics export: the same period and flow, per flow (default) or per step. */
export const AnalyticsExportQuery = z.object({ level: z.enum(["flow", "step"]).default("flow") }).and(AnalyticsQuery)
export type AnalyticsExportQueryType = z.infer<typeof AnalyticsExportQuery>

export const CheckCredentialsSchema = z.object({ channel: z.enum(CHANNELS) })
export type CheckCredentialsBody = z.infer<typeof CheckCredentialsSchema>

/** One person, by a Medusa customer id, an email address or a phone number (or several keys of the same person). */
const personKey = z
  .object({
    customer_id: z.string().trim().min(1).max(100).optional(),
    email: z.email().max(320).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[\d\s().-]{5,32}$/, "expected a phone number such as +12025550143")
      .optional(),
    /** How to read a phone number written without +country code, e.g. "US". */
    country_code: z.string().length(2).optional(),
  })
  .strict()
  .refine((key) => Boolean(key.customer_id || key.email || key.phone), { message: "give customer_id, email or phone" })
export const PersonQuery = personKey
export const ErasePersonSchema = personKey
export type PersonKeyInput = z.infer<typeof personKey>

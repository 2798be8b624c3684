import { z } from "zod"
import {
  CONDITION_OPERATORS,
  DURATION_UNITS,
  EXIT_EVENTS,
  MATCH_KEYS,
  REENTRY_SCOPES,
  TRIGGER_EVENTS,
  WHEN_HELD_RULES,
  type TriggerEvent,
} from "./constants"
import { durationToMs, MAX_DURATION_DAYS } from "./durations"
import { emailBlocksSchema } from "./email-blocks"
import { nestingIssue } from "./nesting"

export const durationSchema = z
  .strictObject({
    amount: z.number().positive(),
    unit: z.enum(DURATION_UNITS),
  })
  // A longer one is surely a typo, and a huge amount would overflow the date it is added to.
  .refine((duration) => durationToMs(duration) <= MAX_DURATION_DAYS * 86_400_000, {
    message: `a duration can be at most ${MAX_DURATION_DAYS} days`,
  })
export type Duration = z.infer<typeof durationSchema>

export const conditionSchema = z.strictObject({
  field: z.string().min(1),
  op: z.enum(CONDITION_OPERATORS),
  value: z.unknown().optional(),
})
export type Condition = z.infer<typeof conditionSchema>

// Groups hold groups: the getters defer the reference, and their return types break TypeScript's inference cycle.
export const conditionGroupSchema = z.union([
  z.strictObject({
    get all(): z.ZodArray<typeof conditionNodeSchema> {
      return z.array(conditionNodeSchema)
    },
  }),
  z.strictObject({
    get any(): z.ZodArray<typeof conditionNodeSchema> {
      return z.array(conditionNodeSchema)
    },
  }),
])
const conditionNodeSchema = z.union([conditionSchema, conditionGroupSchema])
export type ConditionGroup = z.infer<typeof conditionGroupSchema>
export type ConditionNode = z.infer<typeof conditionNodeSchema>

const stepId = z.string().regex(/^[a-z0-9_-]{1,64}$/, "use 1-64 lowercase letters, digits, - or _")
export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/
const timeOfDay = z.string().regex(TIME_OF_DAY, "expected HH:MM (24-hour)")

/**
 * An email is written as HTML, or built from `blocks` (the designer). A template with blocks gets its
 * `html` compiled from them when the flow is saved; whatever `html` it came with is replaced.
 */
export const emailTemplateSchema = z
  .strictObject({
    subject: z.string().min(1),
    preheader: z.string().optional(),
    html: z.string().min(1).optional(),
    blocks: emailBlocksSchema.optional(),
    text: z.string().optional(),
  })
  .refine((template) => template.html !== undefined || template.blocks !== undefined, {
    message: "an email needs html or blocks",
    path: ["html"],
  })
export const smsTemplateSchema = z.strictObject({ body: z.string().min(1) })

const waitStep = z.strictObject({
  id: stepId,
  type: z.literal("wait"),
  duration: durationSchema.optional(),
  /** After the duration, wait on until this wall-clock time in the recipient's timezone. */
  until_time: timeOfDay.optional(),
})
const waitUntilStep = z.strictObject({
  id: stepId,
  type: z.literal("wait_until"),
  condition: conditionGroupSchema,
  timeout: durationSchema,
  check_every: durationSchema.optional(),
  on_timeout: z.enum(["continue", "exit"]).optional(),
})
/**
 * Smart sending, per send step. `exempt: true` (an order confirmation or thank-you): the message is not
 * counted toward any cap and no cap or priority holds it back. `when_held`: what the step does when a cap
 * or a higher-priority flow's message holds it back; "skip" (the default) or "wait" until it may go.
 */
const smartSendingFields = {
  exempt: z.boolean().optional(),
  when_held: z.enum(WHEN_HELD_RULES).optional(),
}
/** `discount: true` gives the message a unique, single-use, expiring code: `{{ discount.code }}`. */
const sendEmailStep = z.strictObject({
  id: stepId,
  type: z.literal("send_email"),
  template: emailTemplateSchema,
  discount: z.boolean().optional(),
  ...smartSendingFields,
})
const sendSmsStep = z.strictObject({
  id: stepId,
  type: z.literal("send_sms"),
  template: smsTemplateSchema,
  discount: z.boolean().optional(),
  ...smartSendingFields,
})
/**
 * One message on the contact's preferred channel: their stated preference, else the channel they engage
 * with, else email; the other channel only when the first cannot be used and the other has consent.
 */
const sendPreferredStep = z.strictObject({
  id: stepId,
  type: z.literal("send_preferred"),
  email: emailTemplateSchema,
  sms: smsTemplateSchema,
  discount: z.boolean().optional(),
  ...smartSendingFields,
})
const exitStep = z.strictObject({ id: stepId, type: z.literal("exit") })
// Branches and variants hold steps: getters, typed, as for condition groups.
type StepSchema = z.ZodDiscriminatedUnion<
  [
    typeof waitStep,
    typeof waitUntilStep,
    typeof sendEmailStep,
    typeof sendSmsStep,
    typeof sendPreferredStep,
    typeof exitStep,
    typeof conditionStep,
    typeof splitStep,
  ]
>
const conditionStep = z.strictObject({
  id: stepId,
  type: z.literal("condition"),
  if: conditionGroupSchema,
  get then(): z.ZodArray<StepSchema> {
    return z.array(stepSchema)
  },
  get else(): z.ZodArray<StepSchema> {
    return z.array(stepSchema)
  },
})
const splitVariant = z.strictObject({
  key: z.string().min(1).max(64),
  weight: z.number().positive(),
  get steps(): z.ZodArray<StepSchema> {
    return z.array(stepSchema)
  },
})
const splitStep = z.strictObject({
  id: stepId,
  type: z.literal("split"),
  variants: z.array(splitVariant).min(2, "a split needs at least 2 variants"),
  /** Set when a variant was promoted: every run that reaches the split from then on takes it. */
  winner: z.string().min(1).max(64).optional(),
})

export const stepSchema: StepSchema = z.discriminatedUnion("type", [
  waitStep,
  waitUntilStep,
  sendEmailStep,
  sendSmsStep,
  sendPreferredStep,
  exitStep,
  conditionStep,
  splitStep,
])

export type Step = z.infer<typeof stepSchema>
export type WaitStep = z.infer<typeof waitStep>
export type WaitUntilStep = z.infer<typeof waitUntilStep>
export type SendEmailStep = z.infer<typeof sendEmailStep>
export type SendSmsStep = z.infer<typeof sendSmsStep>
export type SendPreferredStep = z.infer<typeof sendPreferredStep>
export type SendStep = SendEmailStep | SendSmsStep | SendPreferredStep
export type ExitStep = z.infer<typeof exitStep>
export type ConditionStep = z.infer<typeof conditionStep>
export type SplitVariant = z.infer<typeof splitVariant>
export type SplitStep = z.infer<typeof splitStep>

const isTriggerEvent = (value: unknown): value is TriggerEvent => (TRIGGER_EVENTS as readonly unknown[]).includes(value)

/** The first name in the input that is no trigger event. */
function triggerEventIssue(input: unknown): string {
  const unknown = [input].flat().find((event) => !isTriggerEvent(event))
  return typeof unknown === "string"
    ? `unknown trigger event "${unknown}"; expected one of ${TRIGGER_EVENTS.join(", ")}`
    : "expected a trigger event or a non-empty list of them"
}

// One custom check rather than a union: Medusa reports a union's inner errors, which cannot name the event.
const triggerEventSchema = z.custom<TriggerEvent | TriggerEvent[]>(
  (input) => isTriggerEvent(input) || (Array.isArray(input) && input.length > 0 && input.every(isTriggerEvent)),
  { error: (issue) => triggerEventIssue(issue.input) }
)

/** `scope`: whom the rule counts, each subject (the default) or the person (see REENTRY_SCOPES). */
const reentryScope = z.enum(REENTRY_SCOPES).optional()
const reentrySchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("once"), scope: reentryScope }),
  z.strictObject({ mode: z.literal("cooldown"), cooldown: durationSchema, scope: reentryScope }),
  z.strictObject({ mode: z.literal("always"), scope: reentryScope }),
])
export type Reentry = z.infer<typeof reentrySchema>

const definitionObjectSchema = z
  .object({
    trigger: z.strictObject({
      /** One event, or several: a flow with several trigger events runs once per person, whichever comes first. */
      event: triggerEventSchema,
      /** For `customer.inactive`: how long since the customer's last order. */
      inactive_for: durationSchema.optional(),
      filters: conditionGroupSchema.optional(),
      /** A new event for a subject already in the flow restarts the wait it is in, if the subject really changed. */
      restart_wait_on_activity: z.boolean().optional(),
    }),
    exit: z
      .object({
        events: z.array(z.strictObject({ event: z.enum(EXIT_EVENTS), match: z.array(z.enum(MATCH_KEYS)).min(1).optional() })).optional(),
        conditions: conditionGroupSchema.optional(),
      })
      .optional(),
    reentry: reentrySchema.optional(),
    /** This share of entrants (in %) gets no messages, so the analytics can measure what the flow adds. */
    holdout: z.strictObject({ percent: z.number().gt(0).max(50) }).optional(),
    /** Promote a split's winning variant (by conversion) once every variant has enough recipients and one is best with enough probability. */
    auto_promote: z
      .strictObject({
        enabled: z.boolean(),
        min_recipients: z.number().int().min(10).max(10_000_000).optional(),
        probability: z.number().min(0.5).max(0.9999).optional(),
      })
      .optional(),
    /** Unengaged contacts get this flow too (with the marked_flows policy they get only such flows). */
    send_to_unengaged: z.boolean().optional(),
    steps: z.array(stepSchema).min(1, "a flow needs at least one step"),
  })
  .superRefine((definition, ctx) => {
    const seen = new Set<string>()
    walkSteps(definition.steps, (step, path) => {
      if (seen.has(step.id)) {
        ctx.addIssue({ code: "custom", path: [...path, "id"], message: `duplicate step id "${step.id}"` })
      }
      seen.add(step.id)
      if (step.type === "split" && step.winner !== undefined && !step.variants.some((v) => v.key === step.winner)) {
        ctx.addIssue({ code: "custom", path: [...path, "winner"], message: `winner "${step.winner}" is none of the split's variants` })
      }
      if (step.type === "wait" && !step.duration && !step.until_time) {
        ctx.addIssue({ code: "custom", path, message: "a wait needs a duration or an until_time" })
      }
    })
    const events = [definition.trigger.event].flat()
    if (events.includes("customer.inactive") !== Boolean(definition.trigger.inactive_for)) {
      ctx.addIssue({
        code: "custom",
        path: ["trigger", "inactive_for"],
        message: "inactive_for is required with the customer.inactive trigger, and only with it",
      })
    }
    if (events.includes("customer.inactive") && events.length > 1) {
      ctx.addIssue({ code: "custom", path: ["trigger", "event"], message: "customer.inactive cannot be combined with other events" })
    }
  })

/** A flow definition, refused with a message when it nests too deeply to be checked safely. */
export const flowDefinitionSchema = z
  .unknown()
  .superRefine((input, ctx) => {
    const issue = nestingIssue(input)
    if (issue) {
      ctx.addIssue({ code: "custom", message: issue })
    }
  })
  .pipe(definitionObjectSchema)

export type FlowDefinition = z.output<typeof flowDefinitionSchema>

export function triggerEvents(definition: Pick<FlowDefinition, "trigger">): TriggerEvent[] {
  return [...new Set([definition.trigger.event].flat())]
}

/**
 * Whom one run is for. Events of one kind share a subject (the cart, the order); a flow started by
 * different kinds of event (an account or a newsletter sign-up) runs per person, so nobody enters twice,
 * and so does a flow whose re-entry rule is scoped to the person.
 */
export function runsPerContact(definition: Pick<FlowDefinition, "trigger" | "reentry">): boolean {
  return triggerEvents(definition).length > 1 || definition.reentry?.scope === "person"
}

type StepPath = (string | number)[]

/** Visits every step of the tree, branches included, in order, with its path in the definition. */
export function walkSteps(steps: Step[], visit: (step: Step, path: StepPath) => void, path: StepPath = ["steps"]) {
  steps.forEach((step, index) => {
    const here = [...path, index]
    visit(step, here)
    if (step.type === "condition") {
      walkSteps(step.then, visit, [...here, "then"])
      walkSteps(step.else, visit, [...here, "else"])
    }
    if (step.type === "split") {
      step.variants.forEach((variant, v) => walkSteps(variant.steps, visit, [...here, "variants", v, "steps"]))
    }
  })
}

export type DefinitionIssue = { path: string; message: string }

export class FlowDefinitionError extends Error {
  constructor(readonly issues: DefinitionIssue[]) {
    super(`Invalid flow definition: ${issues.map((i) => `${i.path || "(definition)"}: ${i.message}`).join("; ")}`)
  }
}

export function parseFlowDefinition(input: unknown): FlowDefinition {
  const result = flowDefinitionSchema.safeParse(input)
  if (!result.success) {
    throw new FlowDefinitionError(result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })))
  }
  return result.data
}

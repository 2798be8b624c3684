import { walkSteps, type FlowDefinition, type SendEmailStep, type SendSmsStep, type Step } from "./definition"
import { validateEmailTemplate, validateSmsTemplate, type FieldIssue } from "./templates"

export type StepTemplateIssue = FieldIssue & { path: string }

/** A step's template for one channel, and the prefix of its fields' paths under `steps.<step id>.`. */
type PlacedTemplate<Template> = { template: Template; prefix: "" | "email." | "sms." }

/** Where a sending step keeps its templates: one for its channel, or one per channel when it sends on the preferred one. */
export function templatesOf(step: Step): {
  email?: PlacedTemplate<SendEmailStep["template"]>
  sms?: PlacedTemplate<SendSmsStep["template"]>
} {
  switch (step.type) {
    case "send_email":
      return { email: { template: step.template, prefix: "" } }
    case "send_sms":
      return { sms: { template: step.template, prefix: "" } }
    case "send_preferred":
      return { email: { template: step.email, prefix: "email." }, sms: { template: step.sms, prefix: "sms." } }
    default:
      return {}
  }
}

/** Every template problem in a definition, located as `steps.<step id>.<field>`. */
export function templateIssuesOf(definition: FlowDefinition): StepTemplateIssue[] {
  const issues: StepTemplateIssue[] = []
  walkSteps(definition.steps, (step) => {
    const { email, sms } = templatesOf(step)
    const found = [
      ...(email ? validateEmailTemplate(email.template).map((issue) => ({ ...issue, field: email.prefix + issue.field })) : []),
      ...(sms ? validateSmsTemplate(sms.template).map((issue) => ({ ...issue, field: sms.prefix + issue.field })) : []),
    ]
    issues.push(...found.map((issue) => ({ ...issue, path: `steps.${step.id}.${issue.field}` })))
  })
  return issues
}

export function describeTemplateIssues(issues: StepTemplateIssue[]): string {
  return issues.map((i) => `${i.path}: line ${i.line}, column ${i.column}: ${i.message}`).join("; ")
}

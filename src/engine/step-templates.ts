import { walkSteps, type FlowDefinition } from "./definition"
import { validateEmailTemplate, validateSmsTemplate, type FieldIssue } from "./templates"

export type StepTemplateIssue = FieldIssue & { path: string }

/** Every template problem in a definition, located as `steps.<step id>.<field>`. */
export function templateIssuesOf(definition: FlowDefinition): StepTemplateIssue[] {
  const issues: StepTemplateIssue[] = []
  walkSteps(definition.steps, (step) => {
    const found =
      step.type === "send_email"
        ? validateEmailTemplate(step.template)
        : step.type === "send_sms"
          ? validateSmsTemplate(step.template)
          : step.type === "send_preferred"
            ? [
                ...validateEmailTemplate(step.email).map((issue) => ({ ...issue, field: `email.${issue.field}` })),
                ...validateSmsTemplate(step.sms).map((issue) => ({ ...issue, field: `sms.${issue.field}` })),
              ]
            : []
    issues.push(...found.map((issue) => ({ ...issue, path: `steps.${step.id}.${issue.field}` })))
  })
  return issues
}

export function describeTemplateIssues(issues: StepTemplateIssue[]): string {
  return issues.map((i) => `${i.path}: line ${i.line}, column ${i.column}: ${i.message}`).join("; ")
}

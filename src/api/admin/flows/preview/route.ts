import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import {
  describeTemplateIssues,
  renderEmail,
  renderSms,
  sampleTemplateVariables,
  validateEmailTemplate,
  validateSmsTemplate,
} from "../../../../engine"
import type { PreviewBody } from "../validators"

/** Renders a template against sample data, exactly as a send would. */
export async function POST(req: MedusaRequest<PreviewBody>, res: MedusaResponse) {
  const body = req.validatedBody
  const issues =
    body.channel === "email" ? validateEmailTemplate(body.template) : validateSmsTemplate(body.template)
  if (issues.length) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `Invalid template: ${describeTemplateIssues(issues.map((issue) => ({ ...issue, path: issue.field })))}`
    )
  }
  const variables = sampleTemplateVariables(body.sample)
  const preview =
    body.channel === "email"
      ? await renderEmail(body.template, variables)
      : await renderSms(body.template, variables)
  res.json({ preview, variables })
}

import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import {
  describeTemplateIssues,
  renderEmail,
  renderSms,
  validateEmailTemplate,
  validateSmsTemplate,
} from "../../../../engine"
import { variablesToTryWith } from "../../../../lib/preview-variables"
import { countSegments } from "../../../../modules/flows/channels/recipients"
import type { PreviewBody } from "../validators"

/** Renders a template against sample data or a real cart, order or customer, exactly as a send would. */
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
  const variables = await variablesToTryWith(req.scope, body)
  if (!variables) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `No ${body.subject!.type} with id "${body.subject!.id}"`)
  }
  if (body.channel === "email") {
    res.json({ preview: await renderEmail(body.template, variables), variables })
    return
  }
  const sms = await renderSms(body.template, variables)
  // What the owner needs to keep a text short: its length and how many segments it is billed as.
  res.json({ preview: { ...sms, characters: [...sms.body].length, ...countSegments(sms.body) }, variables })
}

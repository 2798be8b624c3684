import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { renderEmail, renderSms } from "../../../../engine"
import { variablesToTryWith } from "../../../../lib/store/preview-variables"
import { countSegments } from "../../../../modules/flows/channels/recipients"
import { compiledEmail } from "../../../../modules/flows/email/compile"
import { refuseInvalidTemplate, renderedOrRefused } from "../helpers"
import type { PreviewBody } from "../validators"

/** Renders a template against sample data or a real cart, order or customer, exactly as a send would. */
export async function POST(req: MedusaRequest<PreviewBody>, res: MedusaResponse) {
  const body = req.validatedBody
  refuseInvalidTemplate(body.template)
  const variables = await variablesToTryWith(req.scope, body, body.channel)
  if (body.channel === "email") {
    const template = await renderedOrRefused(compiledEmail(body.template))
    const preview = await renderedOrRefused(renderEmail(template, variables))
    // What blocks compile to, for an owner who switches the email to raw HTML.
    res.json({ preview, variables, ...(body.template.blocks && { compiled_html: template.html }) })
    return
  }
  const sms = await renderedOrRefused(renderSms(body.template, variables))
  // What the owner needs to keep a text short: its length and how many segments it is billed as.
  res.json({ preview: { ...sms, characters: [...sms.body].length, ...countSegments(sms.body) }, variables })
}

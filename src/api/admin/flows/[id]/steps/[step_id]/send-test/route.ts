// Not named "test": medusa plugin:build leaves directories called test out of the build.
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "@medusajs/framework/zod"
import { findStep, renderEmail, renderSms, type EmailTemplate, type FlowDefinition, type SmsTemplate } from "../../../../../../../engine"
import { compiledEmail } from "../../../../../../../modules/flows/email/compile"
import { variablesToTryWith } from "../../../../../../../lib/store/preview-variables"
import { flowsService, refuseInvalidTemplate, renderedOrRefused } from "../../../../helpers"
import type { TestSendBody } from "../../../../validators"

/**
 * Sends one step of a flow to an address or number the owner gives: the saved step, or the content the
 * editor shows, rendered with sample data or a real cart, order or customer.
 */
export async function POST(req: MedusaRequest<TestSendBody>, res: MedusaResponse) {
  const flows = flowsService(req)
  const flow = await flows.retrieveFlow(req.params.id)
  const step = findStep(flow.definition as unknown as FlowDefinition, req.params.step_id)
  if (step?.type !== "send_email" && step?.type !== "send_sms" && step?.type !== "send_preferred") {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Flow ${flow.id} has no send step "${req.params.step_id}"`)
  }
  const { to, template: edited } = req.validatedBody
  // A preferred-channel step is tried on the channel asked for, else that of the edited template, else email.
  const channel =
    step.type === "send_preferred"
      ? (req.validatedBody.channel ?? (edited ? ("subject" in edited ? "email" : "sms") : "email"))
      : step.type === "send_email"
        ? "email"
        : "sms"
  const template = edited ?? (step.type === "send_preferred" ? step[channel] : step.template)
  if ((channel === "email") !== "subject" in template) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `template does not fit the ${channel} channel of a ${step.type} step`)
  }
  refuseInvalidTemplate(template)
  const variables = {
    ...(await variablesToTryWith(req.scope, req.validatedBody, channel)),
    flow: { name: flow.name },
  }
  let message
  if (channel === "email") {
    if (!z.email().safeParse(to).success) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `"${to}" is not an email address`)
    }
    const rendered = await renderedOrRefused(compiledEmail(template as EmailTemplate).then((compiled) => renderEmail(compiled, variables)))
    message = await flows.sendTestMessage(flow.id, { id: step.id, channel: "email" }, to, { channel: "email", ...rendered })
  } else {
    const { body } = await renderedOrRefused(renderSms(template as SmsTemplate, variables))
    message = await flows.sendTestMessage(flow.id, { id: step.id, channel: "sms" }, to, { channel: "sms", text: body })
  }
  // 504: the provider did not answer, and the test may or may not have gone out.
  res.status(message.status === "failed" ? 502 : message.status === "uncertain" ? 504 : 200).json({ message })
}

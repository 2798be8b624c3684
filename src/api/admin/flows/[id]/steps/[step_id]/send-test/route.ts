// Not named "test": medusa plugin:build leaves directories called test out of the build.
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { findStep, renderEmail, renderSms, sampleTemplateVariables, type FlowDefinition } from "../../../../../../../engine"
import { flowsService } from "../../../../helpers"
import type { TestSendBody } from "../../../../validators"

/** Sends one step of a flow, rendered with sample data, to an address or number the owner gives. */
export async function POST(req: MedusaRequest<TestSendBody>, res: MedusaResponse) {
  const flows = flowsService(req)
  const flow = await flows.retrieveFlow(req.params.id)
  const step = findStep(flow.definition as unknown as FlowDefinition, req.params.step_id)
  if (step?.type !== "send_email" && step?.type !== "send_sms") {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Flow ${flow.id} has no send step "${req.params.step_id}"`)
  }
  const { to, sample } = req.validatedBody
  const variables = { ...sampleTemplateVariables(sample), flow: { name: flow.name } }
  let message
  if (step.type === "send_email") {
    if (!z.email().safeParse(to).success) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `"${to}" is not an email address`)
    }
    const rendered = await renderEmail(step.template, variables)
    message = await flows.sendTestMessage(flow.id, { id: step.id, channel: "email" }, to, { channel: "email", ...rendered })
  } else {
    const { body } = await renderSms(step.template, variables)
    message = await flows.sendTestMessage(flow.id, { id: step.id, channel: "sms" }, to, { channel: "sms", text: body })
  }
  res.status(message.status === "failed" ? 502 : 200).json({ message })
}

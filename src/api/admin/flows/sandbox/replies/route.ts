import { randomUUID } from "node:crypto"
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { flowsService } from "../../helpers"
import type { SandboxReplyBody } from "../../validators"

/**
 * A text reply to a sandbox message, as Twilio's incoming-message webhook would bring it: STOP, START
 * and HELP work as they will with a real number. Only while texts go to the sandbox.
 */
export async function POST(req: MedusaRequest<SandboxReplyBody>, res: MedusaResponse) {
  const flows = flowsService(req)
  if (flows.getOptions().twilio) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "Texts go through Twilio: replies come from Twilio's webhook, not from here.")
  }
  const { from, body } = req.validatedBody
  const keyword = await flows.recordInboundSms({ From: from, Body: body, MessageSid: `SMsandbox${randomUUID().replace(/-/g, "")}` })
  res.json({ keyword })
}

import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { FLOWS_MODULE } from "../../../../modules/flows"
import type FlowsModuleService from "../../../../modules/flows/service"
import { captureConsentWorkflow } from "../../../../workflows"
import { clientIp } from "../../../client-ip"
import type { ConsentBody } from "../validators"

/** A storefront's newsletter or SMS sign-up: consent per channel, with its evidence. */
export async function POST(req: MedusaRequest<ConsentBody>, res: MedusaResponse) {
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  const client = { ip: clientIp(req, flows.getOptions().trustedProxyHops), user_agent: req.get("user-agent") ?? null }
  if (await flows.consentRateLimited(req.validatedBody, client.ip)) {
    res.status(429).json({ type: "too_many_requests", message: "Too many sign-ups; try again in a minute." })
    return
  }
  const { result } = await captureConsentWorkflow(req.scope).run({ input: { ...req.validatedBody, client } })
  res.status(201).json(result)
}

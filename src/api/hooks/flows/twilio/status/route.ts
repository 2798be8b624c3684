import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService, verifyTwilio } from "../../verify"

/** Twilio's status callback for each text we sent. */
export async function POST(req: MedusaRequest<Record<string, string>>, res: MedusaResponse) {
  if (!verifyTwilio(req, res)) {
    return
  }
  await flowsService(req).recordTwilioStatus(req.body)
  res.status(204).send()
}

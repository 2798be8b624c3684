import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService, verifySendGrid } from "../verify"

/** SendGrid's Event Webhook: delivery and engagement events, in batches. */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  if (!verifySendGrid(req, res)) {
    return
  }
  if (!Array.isArray(req.body)) {
    res.status(400).json({ type: "invalid_data", message: "Expected a JSON array of events." })
    return
  }
  res.json(await flowsService(req).recordSendGridEvents(req.body))
}

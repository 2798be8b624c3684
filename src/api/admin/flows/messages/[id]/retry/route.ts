import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../../../helpers"

/** Sends a failed message again, once; 400 when it did not fail or the person withdrew consent. */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  res.json({ message: await flowsService(req).retryMessage(req.params.id) })
}

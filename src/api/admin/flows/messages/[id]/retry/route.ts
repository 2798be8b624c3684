import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../../../helpers"
import type { RetryMessageBody } from "../../../validators"

/**
 * Sends a failed or uncertain message again, once; 400 when it is neither, when the person withdrew consent,
 * or for an uncertain one without `confirm_duplicate_risk: true`.
 */
export async function POST(req: MedusaRequest<RetryMessageBody>, res: MedusaResponse) {
  const confirmDuplicateRisk = req.validatedBody.confirm_duplicate_risk
  res.json({ message: await flowsService(req).retryMessage(req.params.id, { confirmDuplicateRisk }) })
}

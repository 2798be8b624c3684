import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { retryMessageWorkflow } from "../../../../../../workflows"
import type { RetryMessageBody } from "../../../validators"

/**
 * Sends a failed or uncertain message again, once; 400 when it is neither, when the person withdrew consent,
 * or for an uncertain one without `confirm_duplicate_risk: true`.
 */
export async function POST(req: MedusaRequest<RetryMessageBody>, res: MedusaResponse) {
  const { result: message } = await retryMessageWorkflow(req.scope).run({
    input: { id: req.params.id, confirm_duplicate_risk: req.validatedBody.confirm_duplicate_risk },
  })
  res.json({ message })
}

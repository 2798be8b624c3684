import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../../helpers"

/** The flow canvas's live counts per step: runs waiting there, sent and converted in the last 30 days. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const service = flowsService(req)
  // An unknown flow is a 404, not a page of zeros.
  await service.retrieveFlow(req.params.id, { select: ["id"] })
  res.json(await service.stepCounts(req.params.id))
}

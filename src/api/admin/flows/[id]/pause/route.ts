import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../../helpers"

export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const flow = await flowsService(req).setFlowStatus(req.params.id, "paused")
  res.json({ flow })
}

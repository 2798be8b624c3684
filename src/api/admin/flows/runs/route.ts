import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService, listArgs } from "../helpers"

export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { filters, config, limit, offset } = listArgs(req)
  const [runs, count] = await flowsService(req).listAndCountFlowRuns(filters, config)
  res.json({ runs, count, limit, offset })
}

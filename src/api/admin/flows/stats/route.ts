import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../helpers"

const THIRTY_DAYS_MS = 30 * 86_400_000

/** For the flows list: runs in progress and the last 30 days' sends, opens and clicks per flow. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const since = new Date(Date.now() - THIRTY_DAYS_MS)
  res.json({ since, stats: await flowsService(req).flowStats(since) })
}

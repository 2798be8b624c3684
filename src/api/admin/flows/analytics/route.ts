import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../helpers"
import type { AnalyticsQueryType } from "../validators"

/** Per flow, step, day and A/B variant: sent, delivered, opened, clicked, converted, revenue, unsubscribes. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  res.json(await flowsService(req).analytics(req.validatedQuery as AnalyticsQueryType))
}

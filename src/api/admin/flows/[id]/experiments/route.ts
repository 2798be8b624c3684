import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../../helpers"
import type { AnalyticsQueryType } from "../../validators"

/**
 * A flow's A/B splits over a period (per variant: recipients, conversion rate, revenue per recipient, probability
 * to be best) and its holdout comparison (incremental conversion and revenue with confidence intervals).
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { from, to } = req.validatedQuery as AnalyticsQueryType
  res.json(await flowsService(req).flowExperiments({ flow_id: req.params.id, from, to }))
}

import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../../helpers"

/** For the order page: the flow message the order is credited to, and the messages sent about it. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  res.json(await flowsService(req).orderActivity(req.params.order_id))
}

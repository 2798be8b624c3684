import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { importOrderHistory } from "../../../../../lib/store/order-history"

/** Reads the store's past orders so win-back knows who stopped buying before the plugin was installed. */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  res.json(await importOrderHistory(req.scope))
}

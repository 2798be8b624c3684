import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../helpers"

/** Providers, webhook URLs and defaults, with no secret in them. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  res.json({ settings: flowsService(req).settings() })
}

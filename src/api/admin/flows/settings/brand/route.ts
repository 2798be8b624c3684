import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import type { BrandSettings } from "../../../../../engine"
import { flowsService } from "../../helpers"

/** Saves the brand every email block is drawn with, and the sender's postal address. */
export async function POST(req: MedusaRequest<BrandSettings>, res: MedusaResponse) {
  res.json({ brand: await flowsService(req).saveBrandSettings(req.validatedBody) })
}

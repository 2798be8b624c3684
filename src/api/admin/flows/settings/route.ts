import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MISSING_ADDRESS_WARNING } from "../../../../modules/flows/actions/brand"
import { flowsService } from "../helpers"

/** Providers, webhook URLs and defaults, with no secret in them; the brand; what needs the owner's attention. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const flows = flowsService(req)
  const settings = flows.settings()
  const brand = await flows.brandSettings()
  const warnings =
    settings.email.provider !== "sandbox" && !brand.effective.address ? [{ code: "missing_address", message: MISSING_ADDRESS_WARNING }] : []
  res.json({ settings, brand, warnings })
}

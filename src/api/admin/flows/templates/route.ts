import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { BUILT_IN_FLOWS } from "../../../../modules/flows/built-in"

/** The built-in flows, to start a new flow from. */
export async function GET(_req: MedusaRequest, res: MedusaResponse) {
  res.json({ templates: BUILT_IN_FLOWS.map(({ handle, name, description, definition }) => ({ handle, name, description, definition })) })
}

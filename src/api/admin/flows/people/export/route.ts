import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { flowsService } from "../../helpers"
import type { PersonKeyInput } from "../../validators"
import { personKeyOf } from "../helpers"

/**
 * One person's marketing data as a JSON download (GDPR access and portability): contacts, the consent of
 * their numbers, consent evidence, messages with bodies, timeline, runs, short links and credited orders.
 * 404 when nothing is known about them.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const data = await flowsService(req).exportPerson(personKeyOf(req.validatedQuery as PersonKeyInput))
  if (!data) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, "Nothing is known about this person")
  }
  res.setHeader("Content-Disposition", `attachment; filename="marketing-data-${data.exported_at.slice(0, 10)}.json"`)
  res.setHeader("Cache-Control", "no-store")
  res.json(data)
}

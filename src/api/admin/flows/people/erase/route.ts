import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { erasePersonWorkflow } from "../../../../../workflows"
import type { PersonKeyInput } from "../../validators"
import { personKeyOf } from "../helpers"

/**
 * Erases one person's marketing data and suppresses their addresses and numbers (GDPR erasure). Answers
 * with the audit record: who erased, when, and how many rows were deleted or anonymised. 404 when nothing
 * is known about them.
 */
export async function POST(req: AuthenticatedMedusaRequest<PersonKeyInput>, res: MedusaResponse) {
  const { result: erasure } = await erasePersonWorkflow(req.scope).run({
    input: { person: personKeyOf(req.validatedBody), actor_id: req.auth_context?.actor_id ?? null },
  })
  res.json({ erasure })
}

import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { promoteSplitWinnerWorkflow } from "../../../../../../../workflows"
import type { PromoteVariantBody } from "../../../../validators"

/** Promotes a split's variant by hand: a new flow version that records the admin user who did it. */
export async function POST(req: AuthenticatedMedusaRequest<PromoteVariantBody>, res: MedusaResponse) {
  const { result } = await promoteSplitWinnerWorkflow(req.scope).run({
    input: {
      flow_id: req.params.id,
      split_id: req.params.split_id,
      variant: req.validatedBody.variant,
      by: `user:${req.auth_context?.actor_id ?? "unknown"}`,
    },
  })
  res.json(result)
}

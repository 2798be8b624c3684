import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { deleteFlowWorkflow, updateFlowWorkflow } from "../../../../workflows"
import { flowsService } from "../helpers"
import type { UpdateFlowBody } from "../validators"

export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const flow = await flowsService(req).retrieveFlow(req.params.id)
  res.json({ flow })
}

/** A changed definition makes a new version; the response says how many runs stay on older ones. */
export async function POST(req: MedusaRequest<UpdateFlowBody>, res: MedusaResponse) {
  const { result } = await updateFlowWorkflow(req.scope).run({ input: { ...req.validatedBody, id: req.params.id } })
  res.json(result)
}

export async function DELETE(req: MedusaRequest, res: MedusaResponse) {
  await deleteFlowWorkflow(req.scope).run({ input: { id: req.params.id } })
  res.json({ id: req.params.id, object: "flow", deleted: true })
}

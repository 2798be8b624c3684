import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { setFlowStatusWorkflow } from "../../../../../workflows"

export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const { result: flow } = await setFlowStatusWorkflow(req.scope).run({ input: { id: req.params.id, status: "active" } })
  res.json({ flow })
}

import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { createFlowWorkflow } from "../../../workflows"
import { flowsService, listArgs } from "./helpers"
import type { CreateFlowBody } from "./validators"

export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { filters, config, limit, offset } = listArgs(req)
  if (filters.trigger_event) {
    // A flow can have several trigger events, kept comma-separated; no event name contains another.
    filters.trigger_event = { $like: `%${filters.trigger_event}%` }
  }
  const [flows, count] = await flowsService(req).listAndCountFlows(filters, config)
  res.json({ flows, count, limit, offset })
}

export async function POST(req: MedusaRequest<CreateFlowBody>, res: MedusaResponse) {
  const { result: flow } = await createFlowWorkflow(req.scope).run({ input: req.validatedBody })
  res.status(201).json({ flow })
}

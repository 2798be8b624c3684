import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService, listArgs } from "../helpers"

export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const { filters, config, limit, offset } = listArgs(req)
  const [messages, count] = await flowsService(req).listAndCountMessages(filters, config)
  res.json({ messages, count, limit, offset })
}

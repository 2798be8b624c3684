import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../../helpers"

/** One message with its delivery timeline: sent, delivered, opened, clicked, bounced, as the providers told. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const flows = flowsService(req)
  const message = await flows.retrieveMessage(req.params.id)
  const events = await flows.listContactEvents(
    { message_id: message.id },
    { order: { occurred_at: "ASC" }, select: ["id", "type", "occurred_at", "data"] }
  )
  res.json({ message, events })
}

import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { flowsService } from "../../helpers"
import type { CheckCredentialsBody } from "../../validators"

/** Asks SendGrid or Twilio whether the configured credentials work, without sending anything. */
export async function POST(req: MedusaRequest<CheckCredentialsBody>, res: MedusaResponse) {
  res.json({ check: await flowsService(req).checkCredentials(req.validatedBody.channel) })
}

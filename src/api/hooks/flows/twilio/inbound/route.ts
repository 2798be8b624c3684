import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
// The TwiML builder alone, as in ../../verify.ts.
import MessagingResponse from "twilio/lib/twiml/MessagingResponse"
import { flowsService, verifyTwilio } from "../../verify"

/**
 * Texts people send to our number. STOP and START change SMS consent (Twilio's Advanced Opt-Out
 * answers those itself); HELP gets a reply.
 */
export async function POST(req: MedusaRequest<Record<string, string>>, res: MedusaResponse) {
  if (!verifyTwilio(req, res)) {
    return
  }
  const flows = flowsService(req)
  const keyword = await flows.recordInboundSms(req.body)
  const reply = new MessagingResponse()
  if (keyword === "help") {
    const { storeName, storefrontUrl } = flows.getOptions()
    reply.message(`${storeName}: help at ${storefrontUrl}. Reply STOP to unsubscribe.`)
  }
  res.type("text/xml").send(reply.toString())
}

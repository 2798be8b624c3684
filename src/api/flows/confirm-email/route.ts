import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { verifyLinkToken } from "../../../modules/flows/links/signed-links"
import { FLOWS_MODULE } from "../../../modules/flows"
import type FlowsModuleService from "../../../modules/flows/service"
import { clientIp } from "../../client-ip"
import { sendInvalidLinkPage, sendPage } from "../page"

function linkOf(req: MedusaRequest) {
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  const options = flows.getOptions()
  const token = String(req.query.token ?? "")
  const { subject: contactId, email } = verifyLinkToken(options.secret, "confirm_email", token)
  return { flows, options, token, contactId, email: email ?? "" }
}

/** Asks for the click that confirms: mail scanners open links, and a GET must not subscribe anybody. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  try {
    const { options, token, email } = linkOf(req)
    sendPage(res, 200, {
      store: options.storeName,
      title: "Confirm your subscription",
      text: `Get marketing emails from ${options.storeName} at ${email} again?`,
      action: `${options.backendUrl}/flows/confirm-email?token=${encodeURIComponent(token)}`,
      choices: [{ value: "confirm", label: "Yes, send me emails" }],
    })
  } catch (error) {
    sendInvalidLinkPage(req, res, error)
  }
}

export async function POST(req: MedusaRequest, res: MedusaResponse) {
  try {
    const { flows, options, contactId, email } = linkOf(req)
    const client = { ip: clientIp(req, options.trustedProxyHops), user_agent: req.get("user-agent") ?? null }
    const confirmed = await flows.confirmEmailSubscription(contactId, email, client)
    sendPage(res, confirmed ? 200 : 410, {
      store: options.storeName,
      title: confirmed ? "You are subscribed again" : "This link does not work",
      text: confirmed ? `Welcome back to ${options.storeName}'s emails.` : "This address is no longer on file.",
    })
  } catch (error) {
    sendInvalidLinkPage(req, res, error)
  }
}

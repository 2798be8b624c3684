import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { InvalidLinkError, verifyLinkToken } from "../../../lib/signed-links"
import { FLOWS_MODULE } from "../../../modules/flows"
import type FlowsModuleService from "../../../modules/flows/service"
import { sendPage } from "../page"

function contactOf(req: MedusaRequest) {
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  const { secret, storeName } = flows.getOptions()
  const contactId = verifyLinkToken(secret, "unsubscribe", String(req.query.token ?? ""))
  return { flows, contactId, storeName }
}

function invalid(req: MedusaRequest, res: MedusaResponse, error: unknown) {
  if (!(error instanceof InvalidLinkError)) {
    throw error
  }
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  sendPage(res, 400, { store: flows.getOptions().storeName, title: "This link does not work", text: error.message })
}

/** Asks before unsubscribing: mail scanners open links, and a GET must not change anything. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  try {
    const { storeName } = contactOf(req)
    sendPage(res, 200, {
      store: storeName,
      title: "Unsubscribe",
      text: `Stop marketing emails from ${storeName}?`,
      action: req.originalUrl,
      button: "Unsubscribe",
    })
  } catch (error) {
    invalid(req, res, error)
  }
}

/** The page's button, and RFC 8058 one-click unsubscribe from mail clients (answered with no page). */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  try {
    const { flows, contactId, storeName } = contactOf(req)
    await flows.unsubscribeEmail(contactId)
    const oneClick = (req.body as Record<string, string> | undefined)?.["List-Unsubscribe"] === "One-Click"
    if (oneClick) {
      res.status(200).send()
      return
    }
    sendPage(res, 200, { store: storeName, title: "You are unsubscribed", text: `${storeName} will not send you marketing emails any more.` })
  } catch (error) {
    invalid(req, res, error)
  }
}

import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { isbot } from "isbot"
import { FLOWS_MODULE } from "../../../../modules/flows"
import { recoveryTarget } from "../../../../modules/flows/options"
import type FlowsModuleService from "../../../../modules/flows/service"
import { sendPage } from "../../page"

const NOT_WORKING = { unknown: [404, "This link is not valid."], expired: [410, "This link has expired."] } as const

/** A text's short recovery link: back to the storefront with the exact cart. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  const options = flows.getOptions()
  // Phones and chat apps fetch links to show a preview; only a person's tap is a click.
  const countClick = req.method === "GET" && !isbot(req.get("user-agent") ?? "")
  const opened = await flows.openShortLink(req.params.code, countClick)
  if ("cart_id" in opened) {
    res.redirect(302, recoveryTarget(options, opened.cart_id))
    return
  }
  const [status, reason] = NOT_WORKING[opened.invalid]
  sendPage(res, status, {
    store: options.storeName,
    title: "This link does not work",
    text: `${reason} Your cart may still be waiting at ${options.storefrontUrl}.`,
  })
}

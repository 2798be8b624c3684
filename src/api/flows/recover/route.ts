import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { InvalidLinkError, verifyLinkToken } from "../../../lib/signed-links"
import { FLOWS_MODULE } from "../../../modules/flows"
import type FlowsModuleService from "../../../modules/flows/service"
import { sendPage } from "../page"

/** A signed recovery link: back to the storefront with the exact cart. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  const { secret, storeName, storefrontUrl, recoveryUrl } = flows.getOptions()
  try {
    const { subject: cartId } = verifyLinkToken(secret, "recover", String(req.query.token ?? ""))
    const target = recoveryUrl ?? `${storefrontUrl.replace(/\/$/, "")}/cart?cart_id={cart_id}`
    res.redirect(302, target.replace("{cart_id}", encodeURIComponent(cartId)))
  } catch (error) {
    if (!(error instanceof InvalidLinkError)) {
      throw error
    }
    sendPage(res, 400, {
      store: storeName,
      title: "This link does not work",
      text: `${error.message} Your cart may still be waiting at ${storefrontUrl}.`,
    })
  }
}

import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { InvalidLinkError, verifyLinkToken } from "../../../modules/flows/links/signed-links"
import { FLOWS_MODULE } from "../../../modules/flows"
import { recoveryTarget } from "../../../modules/flows/options"
import type FlowsModuleService from "../../../modules/flows/service"
import { sendPage } from "../page"

/** A signed recovery link: back to the storefront with the exact cart. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const flows: FlowsModuleService = req.scope.resolve(FLOWS_MODULE)
  const options = flows.getOptions()
  try {
    const { subject: cartId } = verifyLinkToken(options.secret, "recover", String(req.query.token ?? ""))
    res.redirect(302, recoveryTarget(options, cartId))
  } catch (error) {
    if (!(error instanceof InvalidLinkError)) {
      throw error
    }
    sendPage(res, 400, {
      store: options.storeName,
      title: "This link does not work",
      text: `${error.message} Your cart may still be waiting at ${options.storefrontUrl}.`,
    })
  }
}

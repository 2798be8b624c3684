import type { MedusaContainer } from "@medusajs/framework/types"
import type { ChannelName } from "../../engine/constants"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { buildTemplateVariables, renderEmail, renderSms, type decide, type EmailTemplate, type SmsTemplate } from "../../engine"
import { reviewUrlPattern, storeOf } from "../../modules/flows/options"
import { savedEmail } from "../../modules/flows/email/compile"
import { personalLinkPattern } from "../../modules/flows/links/signed-links"
import type FlowsModuleService from "../../modules/flows/service"
import type { StepContent } from "../../modules/flows/actions/delivery"
import { messageKey, type RunRow } from "../../modules/flows/types"
import type { StoreFacts } from "../store/load-facts"
import { recommendationsFor } from "../store/recommendations"
import type { DrainCache } from "./drain-cache"
import { ensureDiscount } from "./discounts"

/** Renders a send step. A template that fails to render is recorded as a skipped message, not a crash. */
export async function renderStep(
  container: MedusaContainer,
  flows: FlowsModuleService,
  run: RunRow,
  step: Extract<ReturnType<typeof decide>, { type: "send" }>["step"],
  channel: ChannelName,
  facts: StoreFacts,
  cache: DrainCache,
  now: Date
): Promise<StepContent> {
  const options = flows.getOptions()
  // A preferred-channel step carries a template per channel; the channel was chosen before rendering.
  const template = step.type === "send_preferred" ? (channel === "email" ? step.email : step.sms) : step.template
  const discount = step.discount ? await ensureDiscount(container, options, run, step.id, now) : null
  // Only worth the queries when the template shows them.
  const recommendations =
    facts.order && JSON.stringify(template).includes("recommendations")
      ? await recommendationsFor(
          container.resolve(ContainerRegistrationKeys.QUERY),
          facts.order,
          (handle) => `${options.storefrontUrl}/products/${handle}`
        )
      : []
  const look = await cache.brand()
  const variables = buildTemplateVariables({
    customer: facts.customer,
    cart: facts.cart,
    order: facts.order,
    store: { ...storeOf(options), address: look.address },
    brand: look.brand,
    links: await flows.messageLinks(
      { cart_id: run.cart_id, contact_id: run.contact_id, flow_id: run.flow_id },
      channel,
      messageKey(run, step.id),
      now
    ),
    flow: { name: await cache.flowName(run.flow_id) },
    discount,
    reviewUrl: reviewUrlPattern(options),
    recommendations,
  })
  try {
    if (step.type === "send_email" || (step.type === "send_preferred" && channel === "email")) {
      const email = await renderEmail(await savedEmail(template as EmailTemplate), variables, personalLinkPattern(options.backendUrl))
      return { rendered: { channel: "email", ...email } }
    }
    const { body } = await renderSms(template as SmsTemplate, variables)
    return { rendered: { channel: "sms", text: body } }
  } catch (error) {
    return { skip: `template could not be rendered: ${(error as Error).message}` }
  }
}

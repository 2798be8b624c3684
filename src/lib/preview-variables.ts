import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { buildTemplateVariables, sampleTemplateVariables, type TemplateVariables } from "../engine"
import { FLOWS_MODULE } from "../modules/flows"
import { reviewUrlPattern } from "../modules/flows/options"
import type FlowsModuleService from "../modules/flows/service"
import { loadFacts } from "./load-facts"
import { linksFor } from "./signed-links"

export type PreviewSubject = { type: "cart" | "order" | "customer"; id: string }

/**
 * What a template sees for a real cart, order or customer of the store, as a send would show it,
 * except the discount code (a sample: previewing must not create promotions). Undefined if not found.
 */
export async function previewVariables(
  container: MedusaContainer,
  subject: PreviewSubject,
  channel: "email" | "sms"
): Promise<TemplateVariables | undefined> {
  const flows = container.resolve<FlowsModuleService>(FLOWS_MODULE)
  const options = flows.getOptions()
  const facts = await loadFacts(container.resolve(ContainerRegistrationKeys.QUERY), { [`${subject.type}_id`]: subject.id })
  if (!facts[subject.type]) {
    return undefined
  }
  const cartId = facts.cart?.id ?? facts.order?.cart?.id ?? null
  const links = linksFor(options, { cart_id: cartId })
  return buildTemplateVariables({
    ...facts,
    store: { name: options.storeName, url: options.storefrontUrl },
    // A text shows the short link a send would, so its length and segments are the real ones.
    links: channel === "sms" && cartId ? { ...links, recovery: (await flows.shortRecoveryLink(cartId, null)) ?? links.recovery } : links,
    flow: { name: "Preview" },
    discount: { code: `${options.discount.prefix}-PREVIEW`, percentage: options.discount.percentage, expires_at: new Date(Date.now() + options.discount.validDays * 86_400_000) },
    reviewUrl: reviewUrlPattern(options),
  })
}

/**
 * What a preview or a test send renders with: a real subject's data, or the sample of that kind under the
 * store's own name. A subject that does not exist is a 404.
 */
export async function variablesToTryWith(
  container: MedusaContainer,
  input: { sample: "cart" | "order" | "customer"; subject?: PreviewSubject },
  channel: "email" | "sms"
): Promise<TemplateVariables> {
  if (input.subject) {
    const variables = await previewVariables(container, input.subject, channel)
    if (!variables) {
      throw new MedusaError(MedusaError.Types.NOT_FOUND, `No ${input.subject.type} with id "${input.subject.id}"`)
    }
    return variables
  }
  const options = container.resolve<FlowsModuleService>(FLOWS_MODULE).getOptions()
  return { ...sampleTemplateVariables(input.sample), store: { name: options.storeName, url: options.storefrontUrl } }
}

import type { MedusaContainer } from "@medusajs/framework/types"
import type { ChannelName } from "../../engine/constants"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { buildTemplateVariables, sampleTemplateVariables, type TemplateVariables } from "../../engine"
import { FLOWS_MODULE } from "../../modules/flows"
import { reviewUrlPattern, storeOf } from "../../modules/flows/options"
import type FlowsModuleService from "../../modules/flows/service"
import { loadFacts } from "./load-facts"

export type PreviewSubject = { type: "cart" | "order" | "customer"; id: string }

/**
 * What a template sees for a real cart, order or customer of the store, as a send would show it,
 * except the discount code (a sample: previewing must not create promotions). Undefined if not found.
 */
export async function previewVariables(
  container: MedusaContainer,
  subject: PreviewSubject,
  channel: ChannelName
): Promise<TemplateVariables | undefined> {
  const flows = container.resolve<FlowsModuleService>(FLOWS_MODULE)
  const options = flows.getOptions()
  const facts = await loadFacts(container.resolve(ContainerRegistrationKeys.QUERY), { [`${subject.type}_id`]: subject.id })
  if (!facts[subject.type]) {
    return undefined
  }
  const look = await flows.brandForTemplates()
  return buildTemplateVariables({
    ...facts,
    store: { ...storeOf(options), address: look.address },
    brand: look.brand,
    // The links a send would carry, so a text's length and segments are the real ones.
    links: await flows.messageLinks({ cart_id: facts.cart?.id ?? facts.order?.cart?.id ?? null }, channel, null),
    flow: { name: "Preview" },
    discount: {
      code: `${options.discount.prefix}-PREVIEW`,
      percentage: options.discount.percentage,
      expires_at: new Date(Date.now() + options.discount.validDays * 86_400_000),
    },
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
  channel: ChannelName
): Promise<TemplateVariables> {
  if (input.subject) {
    const variables = await previewVariables(container, input.subject, channel)
    if (!variables) {
      throw new MedusaError(MedusaError.Types.NOT_FOUND, `No ${input.subject.type} with id "${input.subject.id}"`)
    }
    return variables
  }
  const flows = container.resolve<FlowsModuleService>(FLOWS_MODULE)
  const look = await flows.brandForTemplates()
  return { ...sampleTemplateVariables(input.sample), store: { ...storeOf(flows.getOptions()), address: look.address }, brand: look.brand }
}

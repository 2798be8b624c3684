import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import { emailSubscriptionOf, restoreEmailSubscription } from "./email-subscription"

/** Subscribes again from the preference page; undone by restoring the subscription it replaced. */
export const resubscribeEmailStep = createStep(
  "flows-resubscribe-email",
  async (contactId: string, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    const before = await emailSubscriptionOf(flows, contactId)
    await flows.resubscribeEmail(contactId)
    return new StepResponse(undefined, before)
  },
  async (before, { container }) => {
    if (before) {
      await restoreEmailSubscription(container, before, "email.resubscribed")
    }
  }
)

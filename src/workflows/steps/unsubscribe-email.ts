import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import { emailSubscriptionOf, restoreEmailSubscription } from "./email-subscription"

/** `flow_id` null: all marketing email (also RFC 8058 one-click); otherwise only that flow's. */
export type UnsubscribeEmailStepInput = { contact_id: string; flow_id: string | null }

/** Unsubscribes from an unsubscribe link; undone by restoring the subscription it replaced. */
export const unsubscribeEmailStep = createStep(
  "flows-unsubscribe-email",
  async ({ contact_id, flow_id }: UnsubscribeEmailStepInput, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    const before = await emailSubscriptionOf(flows, contact_id)
    await flows.unsubscribeEmail(contact_id, flow_id)
    return new StepResponse(undefined, before)
  },
  async (before, { container }) => {
    if (before) {
      await restoreEmailSubscription(container, before, "email.unsubscribed")
    }
  }
)

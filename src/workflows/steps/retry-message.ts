import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"

export type RetryMessageStepInput = { id: string; confirm_duplicate_risk?: boolean }

/**
 * Sends a failed or uncertain message again. No compensation: once the provider has it, the email or text
 * cannot be called back, and the message's status already says what happened to it.
 */
export const retryMessageStep = createStep(
  "flows-retry-message",
  async ({ id, confirm_duplicate_risk }: RetryMessageStepInput, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    return new StepResponse(await flows.retryMessage(id, { confirmDuplicateRisk: confirm_duplicate_risk }))
  }
)

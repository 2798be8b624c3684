import { createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { retryMessageStep, type RetryMessageStepInput } from "./steps/retry-message"

export type RetryMessageWorkflowInput = RetryMessageStepInput

/** POST /admin/flows/messages/:id/retry: sends a failed or uncertain message again, once. */
export const retryMessageWorkflow = createWorkflow("flows-retry-message", (input: RetryMessageWorkflowInput) => {
  return new WorkflowResponse(retryMessageStep(input))
})

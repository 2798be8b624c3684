import { createHook, createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { unsubscribeEmailStep, type UnsubscribeEmailStepInput } from "./steps/unsubscribe-email"

export type UnsubscribeWorkflowInput = UnsubscribeEmailStepInput

/**
 * /flows/unsubscribe: "stop this flow's emails" (`flow_id`), "stop all" and one-click (`flow_id: null`).
 * Hook `unsubscribed({ contact_id, flow_id })`; a handler that throws restores the subscription.
 */
export const unsubscribeWorkflow = createWorkflow("flows-unsubscribe", (input: UnsubscribeWorkflowInput) => {
  unsubscribeEmailStep(input)
  const unsubscribed = createHook("unsubscribed", { contact_id: input.contact_id, flow_id: input.flow_id })
  return new WorkflowResponse(undefined, { hooks: [unsubscribed] })
})

import { createHook, createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { resubscribeEmailStep } from "./steps/resubscribe-email"

export type ResubscribeWorkflowInput = { contact_id: string }

/**
 * /flows/unsubscribe's "Resubscribe": email again, from every flow. Hook `resubscribed({ contact_id })`;
 * a handler that throws restores the previous subscription.
 */
export const resubscribeWorkflow = createWorkflow("flows-resubscribe", (input: ResubscribeWorkflowInput) => {
  resubscribeEmailStep(input.contact_id)
  const resubscribed = createHook("resubscribed", { contact_id: input.contact_id })
  return new WorkflowResponse(undefined, { hooks: [resubscribed] })
})

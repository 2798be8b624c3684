import { createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { erasePersonStep, type ErasePersonStepInput } from "./steps/erase-person"

export type ErasePersonWorkflowInput = ErasePersonStepInput

/**
 * POST /admin/flows/people/erase: erases one person's marketing data and suppresses their addresses and
 * numbers. The result is the audit record (who, when, counts), which holds no personal data.
 */
export const erasePersonWorkflow = createWorkflow("flows-erase-person", (input: ErasePersonWorkflowInput) => {
  return new WorkflowResponse(erasePersonStep(input))
})

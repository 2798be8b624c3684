import { createHook, createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { updateFlowStep, type UpdateFlowStepInput } from "./steps/update-flow"

export type UpdateFlowWorkflowInput = UpdateFlowStepInput

/**
 * POST /admin/flows/:id: edits a flow, a changed definition as a new version. Hook
 * `flowUpdated({ flow, new_version })`; a handler that throws puts the previous name, description and
 * definition back.
 */
export const updateFlowWorkflow = createWorkflow("flows-update-flow", (input: UpdateFlowWorkflowInput) => {
  const result = updateFlowStep(input)
  const flowUpdated = createHook("flowUpdated", { flow: result.flow, new_version: result.new_version })
  return new WorkflowResponse(result, { hooks: [flowUpdated] })
})

import { createHook, createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { setFlowStatusStep, type SetFlowStatusStepInput } from "./steps/set-flow-status"

export type SetFlowStatusWorkflowInput = SetFlowStatusStepInput

/**
 * POST /admin/flows/:id/activate and /pause. Hook `flowStatusChanged({ flow, previous_status })`; a handler
 * that throws puts the previous status back.
 */
export const setFlowStatusWorkflow = createWorkflow("flows-set-flow-status", (input: SetFlowStatusWorkflowInput) => {
  const changed = setFlowStatusStep(input)
  const flowStatusChanged = createHook("flowStatusChanged", changed)
  return new WorkflowResponse(changed.flow, { hooks: [flowStatusChanged] })
})

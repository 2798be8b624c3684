import { createHook, createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { createFlowStep, type CreateFlowStepInput } from "./steps/create-flow"

export type CreateFlowWorkflowInput = CreateFlowStepInput

/** POST /admin/flows: a new draft flow. Hook `flowCreated({ flow })`; a handler that throws undoes the create. */
export const createFlowWorkflow = createWorkflow("flows-create-flow", (input: CreateFlowWorkflowInput) => {
  const flow = createFlowStep(input)
  const flowCreated = createHook("flowCreated", { flow })
  return new WorkflowResponse(flow, { hooks: [flowCreated] })
})

import { createHook, createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { deleteFlowStep } from "./steps/delete-flow"

export type DeleteFlowWorkflowInput = { id: string }

/**
 * DELETE /admin/flows/:id: deletes a flow and ends its runs. Hook `flowDeleted({ id })`; a handler that
 * throws restores the flow, but not the runs it ended (see deleteFlowStep).
 */
export const deleteFlowWorkflow = createWorkflow("flows-delete-flow", (input: DeleteFlowWorkflowInput) => {
  const id = deleteFlowStep(input.id)
  const flowDeleted = createHook("flowDeleted", { id })
  return new WorkflowResponse(id, { hooks: [flowDeleted] })
})

import { createHook, createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { promoteSplitWinnerStep, type PromoteSplitWinnerStepInput } from "./steps/promote-split-winner"

export type PromoteSplitWinnerWorkflowInput = PromoteSplitWinnerStepInput

/**
 * POST /admin/flows/:id/splits/:split_id/promote, and the automatic promotion job. Hook
 * `splitWinnerPromoted({ flow, version, runs_moved_to_winner })`; a handler that throws undoes the promotion.
 */
export const promoteSplitWinnerWorkflow = createWorkflow("flows-promote-split-winner", (input: PromoteSplitWinnerWorkflowInput) => {
  const result = promoteSplitWinnerStep(input)
  const splitWinnerPromoted = createHook("splitWinnerPromoted", result)
  return new WorkflowResponse(result, { hooks: [splitWinnerPromoted] })
})

import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import type { PromotionInput } from "../../modules/flows/actions/authoring"

export type PromoteSplitWinnerStepInput = PromotionInput

/**
 * Promotes a split's variant as a new version. Undone by saving the previous definition again (one more
 * version, without the winner); runs that already took the winner stay where they are.
 */
export const promoteSplitWinnerStep = createStep(
  "flows-promote-split-winner",
  async (input: PromoteSplitWinnerStepInput, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    const [previous] = await flows.listFlows({ id: input.flow_id }, { select: ["id", "definition"] })
    const result = await flows.promoteSplitWinner(input)
    return new StepResponse(result, previous)
  },
  async (previous, { container }) => {
    if (!previous) {
      return
    }
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    await flows.editFlow(previous.id, { definition: previous.definition })
  }
)

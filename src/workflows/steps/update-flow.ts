import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import type { FlowInput } from "../../modules/flows/service"

export type UpdateFlowStepInput = { id: string } & Partial<FlowInput>

/**
 * Saves edits (a changed definition makes a new version). Undone by saving the previous name, description,
 * priority and definition again: versions are immutable, so a changed definition comes back as one more version.
 */
export const updateFlowStep = createStep(
  "flows-update-flow",
  async ({ id, ...edits }: UpdateFlowStepInput, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    // Read without throwing: editFlow answers a missing flow with its own 404.
    const [previous] = await flows.listFlows({ id }, { select: ["id", "name", "description", "priority", "definition"] })
    const result = await flows.editFlow(id, edits)
    return new StepResponse(result, previous)
  },
  async (previous, { container }) => {
    if (!previous) {
      return
    }
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    await flows.editFlow(previous.id, {
      name: previous.name,
      description: previous.description,
      priority: previous.priority,
      definition: previous.definition as FlowInput["definition"],
    })
  }
)

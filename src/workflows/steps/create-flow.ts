import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import type { FlowInput } from "../../modules/flows/service"

export type CreateFlowStepInput = FlowInput

/** Creates a draft flow; undone by deleting it and its first version, which nothing can have used yet. */
export const createFlowStep = createStep(
  "flows-create-flow",
  async (input: CreateFlowStepInput, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    const flow = await flows.createFlowWithDefinition(input)
    return new StepResponse(flow, flow.id)
  },
  async (flowId, { container }) => {
    if (!flowId) {
      return
    }
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    await flows.deleteFlowVersions({ flow_id: flowId })
    await flows.deleteFlows(flowId)
  }
)

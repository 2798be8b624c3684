import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import type { FlowStatus } from "../../engine/constants"

export type SetFlowStatusStepInput = { id: string; status: FlowStatus }

/** Switches a flow on or off; undone by setting the status it had before. */
export const setFlowStatusStep = createStep(
  "flows-set-flow-status",
  async ({ id, status }: SetFlowStatusStepInput, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    const [previous] = await flows.listFlows({ id }, { select: ["id", "status"] })
    const flow = await flows.setFlowStatus(id, status)
    return new StepResponse({ flow, previous_status: previous.status as FlowStatus }, { id, status: previous.status as FlowStatus })
  },
  async (previous, { container }) => {
    if (!previous) {
      return
    }
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    await flows.setFlowStatus(previous.id, previous.status)
  }
)

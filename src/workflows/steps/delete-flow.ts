import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import type { FlowStatus } from "../../engine/constants"

/**
 * Deletes a flow (soft) and ends its active runs. Undone by restoring the flow with the status it had; the
 * runs it ended stay ended (`exit_reason: "flow_deleted"`): their place in the flow is gone, and the people
 * in them enter again on their next trigger event, as re-entry rules allow.
 */
export const deleteFlowStep = createStep(
  "flows-delete-flow",
  async (id: string, { container }) => {
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    const [previous] = await flows.listFlows({ id }, { select: ["id", "status"] })
    await flows.removeFlow(id)
    return new StepResponse(id, { id, status: previous.status as FlowStatus })
  },
  async (previous, { container }) => {
    if (!previous) {
      return
    }
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    await flows.restoreFlows(previous.id)
    await flows.setFlowStatus(previous.id, previous.status)
  }
)

import type { MedusaContainer } from "@medusajs/framework/types"
import { FLOWS_MODULE } from "../modules/flows"
import type FlowsModuleService from "../modules/flows/service"
import { runDueSteps } from "../lib/scheduler/run-due-steps"

/**
 * Job schedules are fixed when Medusa loads them, but the polling interval is a plugin option,
 * so the job ticks every second and polls only when `scheduler.pollIntervalMs` has passed.
 */
let lastPollAt = 0

export default async function runDueFlowSteps(container: MedusaContainer) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  const { enabled, pollIntervalMs } = flows.getOptions().scheduler
  const now = Date.now()
  if (!enabled || now - lastPollAt < pollIntervalMs) {
    return
  }
  lastPollAt = now
  await runDueSteps(container)
}

export const config = {
  name: "medusa-plugin-flows-run-due-steps",
  schedule: { interval: 1000 },
}

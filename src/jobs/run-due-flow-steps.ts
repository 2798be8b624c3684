import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../modules/flows"
import type FlowsModuleService from "../modules/flows/service"
import { ensureDispatcher } from "../lib/scheduler/dispatcher"
import { DISPATCH_WAKE_EVENT } from "../subscribers/wake-dispatcher"

/**
 * Keeps dispatch running on the worker processes. Medusa runs this job on one worker per tick (with the
 * Redis workflow engine) and only on `worker` and `shared` processes, so besides starting its own
 * process's dispatcher it sends a wake event: the Redis event bus hands it to some worker, whose
 * dispatcher starts if it has not yet. Within a few ticks every worker dispatches.
 */
export default async function runDueFlowSteps(container: MedusaContainer) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  if (!flows.getOptions().scheduler.enabled) {
    return
  }
  ensureDispatcher()
  await container.resolve(Modules.EVENT_BUS).emit({ name: DISPATCH_WAKE_EVENT, data: {} }, { internal: true })
}

export const config = {
  name: "medusa-plugin-flows-run-due-steps",
  schedule: { interval: 1000 },
}

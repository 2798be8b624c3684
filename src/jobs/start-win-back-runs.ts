import type { MedusaContainer } from "@medusajs/framework/types"
import { FLOWS_MODULE } from "../modules/flows"
import type FlowsModuleService from "../modules/flows/service"

/** Looks for customers who have gone quiet, for the active win-back flows. */
export default async function startWinBackRuns(container: MedusaContainer) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  if (flows.getOptions().scheduler.enabled) {
    await flows.startWinBackRuns()
  }
}

export const config = {
  name: "medusa-plugin-flows-start-win-back-runs",
  // Every minute: a run's cost follows the people who qualify, and a compressed demo clock needs it.
  schedule: "* * * * *",
}

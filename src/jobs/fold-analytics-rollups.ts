import type { MedusaContainer } from "@medusajs/framework/types"
import { FLOWS_MODULE } from "../modules/flows"
import type FlowsModuleService from "../modules/flows/service"

/**
 * Rebuilds the daily analytics rollup of the days that changed (new sends, late webhook events, refunds),
 * up to 31 days a minute. Until a day is rebuilt, analytics read it from the raw tables, so figures are
 * never stale; the rollup only makes long periods fast.
 */
export default async function foldAnalyticsRollups(container: MedusaContainer) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  if (flows.getOptions().scheduler.enabled) {
    await flows.foldRollups(31)
  }
}

export const config = {
  name: "medusa-plugin-flows-fold-analytics-rollups",
  schedule: "* * * * *",
}

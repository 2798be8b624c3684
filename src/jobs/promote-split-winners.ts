import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../modules/flows"
import type FlowsModuleService from "../modules/flows/service"
import { promoteSplitWinnerWorkflow } from "../workflows/promote-split-winner"

/** Who the flow version records as the promoter when the job promotes a winner. */
export const AUTO_PROMOTER = "auto-promote"

/**
 * Promotes the winning variant of every split whose flow has automatic promotion on, once every variant
 * has enough recipients and one is best (by conversion) with enough probability. Returns what it promoted.
 */
export async function promoteSplitWinners(container: MedusaContainer, now = new Date()) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const promoted: { flow_id: string; split_id: string; variant: string }[] = []
  for (const due of await flows.promotionsDue(now)) {
    try {
      await promoteSplitWinnerWorkflow(container).run({
        input: {
          flow_id: due.flow_id,
          split_id: due.split_id,
          variant: due.variant,
          by: AUTO_PROMOTER,
          evidence: { metric: "conversion", probability: due.probability, recipients: due.recipients, at: now.toISOString() },
        },
      })
      promoted.push({ flow_id: due.flow_id, split_id: due.split_id, variant: due.variant })
      logger.info(`medusa-plugin-flows: promoted variant "${due.variant}" of split "${due.split_id}" in flow ${due.flow_id}`)
    } catch (error) {
      // One flow's failure (a concurrent promotion, an edit in between) must not stop the others.
      logger.warn(`medusa-plugin-flows: could not promote split "${due.split_id}" of flow ${due.flow_id}: ${(error as Error).message}`)
    }
  }
  return promoted
}

export default async function promoteSplitWinnersJob(container: MedusaContainer) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  if (flows.getOptions().scheduler.enabled) {
    await promoteSplitWinners(container)
  }
}

export const config = {
  name: "medusa-plugin-flows-promote-split-winners",
  // Every 5 minutes: a test needs hundreds of recipients per variant, so nothing is lost by waiting.
  schedule: "*/5 * * * *",
}

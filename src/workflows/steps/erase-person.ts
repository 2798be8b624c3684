import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { MedusaError } from "@medusajs/framework/utils"
import { FLOWS_MODULE, type FlowsModuleService } from "../../modules/flows"
import type { PersonKey } from "../../modules/flows/actions/privacy"

export type ErasePersonStepInput = { person: PersonKey; actor_id?: string | null }

/**
 * Erases one person's marketing data (see FlowsModuleService.erasePerson). No compensation: what was
 * erased is gone, which is the point; the module's own transaction makes the erasure all or nothing.
 */
export const erasePersonStep = createStep("flows-erase-person", async ({ person, actor_id }: ErasePersonStepInput, { container }) => {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  const erasure = await flows.erasePerson(person, actor_id ?? null)
  if (!erasure) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, "Nothing is known about this person")
  }
  return new StepResponse(erasure)
})

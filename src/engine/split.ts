import { createHash } from "node:crypto"
import { walkSteps, type FlowDefinition, type SplitVariant } from "./definition"

/** Picks a variant from the run and step ids alone, so a run always lands in the same one. */
export function assignVariant(runId: string, stepId: string, variants: SplitVariant[]): SplitVariant {
  const hash = createHash("sha256").update(`${runId}:${stepId}`).digest()
  const unit = hash.readUInt32BE(0) / 0x1_0000_0000
  const total = variants.reduce((sum, v) => sum + v.weight, 0)
  let threshold = unit * total
  for (const variant of variants) {
    threshold -= variant.weight
    if (threshold < 0) {
      return variant
    }
  }
  return variants[variants.length - 1]
}

export type SplitLayout = { split_id: string; variants: { key: string; weight: number; step_ids: string[] }[] }

/** Every split in a definition, with the steps inside each variant: what A/B results are summed over. */
export function splitLayouts(definition: FlowDefinition): SplitLayout[] {
  const layouts: SplitLayout[] = []
  walkSteps(definition.steps, (step) => {
    if (step.type === "split") {
      const variants = step.variants.map((variant) => {
        const stepIds: string[] = []
        walkSteps(variant.steps, (inner) => stepIds.push(inner.id))
        return { key: variant.key, weight: variant.weight, step_ids: stepIds }
      })
      layouts.push({ split_id: step.id, variants })
    }
  })
  return layouts
}

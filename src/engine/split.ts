import { createHash } from "node:crypto"
import type { FlowDefinition, SplitVariant, Step } from "./definition"

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

function stepIdsIn(steps: Step[]): string[] {
  return steps.flatMap((step) => [
    step.id,
    ...(step.type === "condition" ? [...stepIdsIn(step.then), ...stepIdsIn(step.else)] : []),
    ...(step.type === "split" ? step.variants.flatMap((variant) => stepIdsIn(variant.steps)) : []),
  ])
}

export type SplitLayout = { split_id: string; variants: { key: string; weight: number; step_ids: string[] }[] }

/** Every split in a definition, with the steps inside each variant: what A/B results are summed over. */
export function splitLayouts(definition: FlowDefinition): SplitLayout[] {
  const layouts: SplitLayout[] = []
  const visit = (steps: Step[]) =>
    steps.forEach((step) => {
      if (step.type === "split") {
        layouts.push({
          split_id: step.id,
          variants: step.variants.map((v) => ({ key: v.key, weight: v.weight, step_ids: stepIdsIn(v.steps) })),
        })
        step.variants.forEach((variant) => visit(variant.steps))
      }
      if (step.type === "condition") {
        visit(step.then)
        visit(step.else)
      }
    })
  visit(definition.steps)
  return layouts
}

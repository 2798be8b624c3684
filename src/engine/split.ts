import { createHash } from "node:crypto"
import type { SplitVariant } from "./definition"

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

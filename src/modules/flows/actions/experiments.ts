import { MedusaError } from "@medusajs/framework/utils"
import {
  AUTO_PROMOTE_DEFAULTS,
  conversionProbabilityToBeBest,
  decidePromotion,
  incrementality,
  revenueProbabilityToBeBest,
  splitLayouts,
  walkSteps,
  type FlowDefinition,
  type RevenueArm,
} from "../../../engine"
import type { Row } from "../sql/database"
import * as experimentSql from "../sql/experiments"
import type { ModuleContext } from "./context"

const noRevenue = (recipients: number): RevenueArm => ({ recipients, sum: 0, sum_squares: 0 })

function currencies(rows: Row[]) {
  return [...new Set(rows.map((row) => row.currency_code as string))].sort()
}

/** Each split of the flow's current definition, variant by variant, with the probability that each is best. */
async function splitResults(ctx: ModuleContext, definition: FlowDefinition, range: experimentSql.ExperimentRange) {
  const [conversions, revenue] = await Promise.all([
    experimentSql.splitConversions(ctx.db, range),
    experimentSql.splitRevenue(ctx.db, range),
  ])
  const rule = { ...AUTO_PROMOTE_DEFAULTS, ...definition.auto_promote }
  const winners = new Map<string, string | undefined>()
  walkSteps(definition.steps, (step) => {
    if (step.type === "split") {
      winners.set(step.id, step.winner)
    }
  })
  return splitLayouts(definition).map((split) => {
    const arms = split.variants.map((variant) => {
      const row = conversions.find((r) => r.split_id === split.split_id && r.variant === variant.key)
      return { key: variant.key, weight: variant.weight, recipients: Number(row?.recipients ?? 0), converted: Number(row?.converted ?? 0) }
    })
    const probabilities = conversionProbabilityToBeBest(arms)
    const splitRevenueRows = revenue.filter((r) => r.split_id === split.split_id)
    const revenueByCurrency = currencies(splitRevenueRows).map((currency_code) => {
      const revenueArms = arms.map((arm) => {
        const row = splitRevenueRows.find((r) => r.variant === arm.key && r.currency_code === currency_code)
        return row ? { recipients: arm.recipients, sum: Number(row.sum), sum_squares: Number(row.sum_squares) } : noRevenue(arm.recipients)
      })
      return { currency_code, arms: revenueArms, probabilities: revenueProbabilityToBeBest(revenueArms) }
    })
    const winner = winners.get(split.split_id) ?? null
    return {
      split_id: split.split_id,
      winner,
      /** What automatic promotion would do now (by conversion), also when it is off. */
      promotion: winner ? null : decidePromotion(arms, rule),
      variants: arms.map((arm, i) => ({
        ...arm,
        conversion_rate: arm.recipients ? arm.converted / arm.recipients : 0,
        probability_best: probabilities[i],
        revenue: revenueByCurrency.map((c) => ({
          currency_code: c.currency_code,
          total: c.arms[i].sum,
          per_recipient: arm.recipients ? c.arms[i].sum / arm.recipients : 0,
          probability_best: c.probabilities?.[i] ?? null,
        })),
      })),
    }
  })
}

/** The holdout comparison: what the flow added over what its entrants would have done anyway. */
async function holdoutResult(ctx: ModuleContext, definition: FlowDefinition, range: experimentSql.ExperimentRange) {
  const [groups, revenue] = await Promise.all([
    experimentSql.holdoutConversions(ctx.db, range),
    experimentSql.holdoutRevenue(ctx.db, range),
  ])
  const arm = (held: boolean) => {
    const row = groups.find((g) => Boolean(g.holdout) === held)
    return { recipients: Number(row?.entrants ?? 0), converted: Number(row?.converted ?? 0) }
  }
  const treated = arm(false)
  const holdout = arm(true)
  if (!definition.holdout && holdout.recipients === 0) {
    return null
  }
  const revenueArm = (held: boolean, currency: string, recipients: number): RevenueArm => {
    const row = revenue.find((r) => Boolean(r.holdout) === held && r.currency_code === currency)
    return row ? { recipients, sum: Number(row.sum), sum_squares: Number(row.sum_squares) } : noRevenue(recipients)
  }
  return {
    percent: definition.holdout?.percent ?? null,
    ...incrementality(
      treated,
      holdout,
      currencies(revenue).map((currency_code) => ({
        currency_code,
        treated: revenueArm(false, currency_code, treated.recipients),
        holdout: revenueArm(true, currency_code, holdout.recipients),
      }))
    ),
  }
}

/** A flow's A/B splits and holdout over a period, and the promotions made so far. */
export async function flowExperiments(ctx: ModuleContext, range: experimentSql.ExperimentRange) {
  const flow = await ctx.service.retrieveFlow(range.flow_id, { select: ["id", "definition", "version"] }, ctx.shared)
  const definition = flow.definition as unknown as FlowDefinition
  const promotions = await ctx.db.rows(
    `SELECT id, version, created_by, change, created_at FROM flows_flow_version
     WHERE flow_id = ? AND change IS NOT NULL AND deleted_at IS NULL ORDER BY version DESC LIMIT 50`,
    [flow.id]
  )
  return {
    flow_id: flow.id,
    from: range.from,
    to: range.to,
    auto_promote: { enabled: Boolean(definition.auto_promote?.enabled), ...AUTO_PROMOTE_DEFAULTS, ...definition.auto_promote },
    splits: await splitResults(ctx, definition, range),
    holdout: await holdoutResult(ctx, definition, range),
    promotions,
  }
}

/** The splits of active flows with automatic promotion on that have a winner to promote now. */
export async function promotionsDue(ctx: ModuleContext, now = new Date()) {
  const flows = await ctx.db.rows(
    `SELECT id, definition FROM flows_flow
     WHERE status = 'active' AND deleted_at IS NULL AND (definition->'auto_promote'->>'enabled')::boolean IS TRUE`
  )
  const due: { flow_id: string; split_id: string; variant: string; probability: number; recipients: number[] }[] = []
  for (const flow of flows) {
    const splits = await splitResults(ctx, flow.definition as FlowDefinition, { flow_id: flow.id, from: new Date(0), to: now })
    for (const split of splits) {
      if (split.promotion?.promote) {
        due.push({
          flow_id: flow.id,
          split_id: split.split_id,
          variant: split.promotion.variant,
          probability: split.promotion.probability,
          recipients: split.variants.map((v) => v.recipients),
        })
      }
    }
  }
  return due
}

export function assertSplitVariant(definition: FlowDefinition, splitId: string, variant: string) {
  const split = splitLayouts(definition).find((s) => s.split_id === splitId)
  if (!split) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `The flow has no split "${splitId}"`)
  }
  if (!split.variants.some((v) => v.key === variant)) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `Split "${splitId}" has no variant "${variant}"`)
  }
}

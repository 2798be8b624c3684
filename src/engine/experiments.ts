// The admin's tsconfig reaches this file through shared types without including src/engine, so the declaration is referenced here.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./jstat.d.ts" />
import { createHash } from "node:crypto"
import { jStat } from "jstat"

/**
 * The statistics of A/B splits and holdout groups. Pure functions: the analytics and the promotion job
 * hand them counts, nothing else.
 *
 * - Conversion: each variant's conversion rate has a Beta(1 + converted, 1 + recipients - converted)
 *   posterior (beta-binomial with a uniform prior). The probability that a variant is best is
 *   P(p_i > p_j for every other j) = integral of f_i(x) * prod_j F_j(x) dx, computed by Simpson's rule
 *   over +-10 standard deviations of f_i (jStat's Beta pdf and cdf), so it is exact within ~1e-6 and
 *   needs no random draws.
 * - Revenue per recipient: per currency, each variant's mean revenue per recipient (recipients who did
 *   not order count as 0) has a normal posterior N(mean, variance / recipients) (flat prior, central
 *   limit theorem), and the probability to be best is the same integral over normal densities.
 * - Holdout: incremental conversion is the treated rate minus the holdout rate with Newcombe's hybrid
 *   score interval (method 10, from two Wilson intervals), which stays sound for rates near 0.
 *   Incremental revenue per entrant is the difference of means with a Welch (normal) interval.
 */

const INTEGRATION_STEPS = 2000
const SPREAD = 10

type Density = { pdf: (x: number) => number; cdf: (x: number) => number; from: number; to: number }

function simpson(f: (x: number) => number, from: number, to: number, steps = INTEGRATION_STEPS): number {
  if (!(to > from)) {
    return 0
  }
  const h = (to - from) / steps
  let sum = f(from) + f(to)
  for (let i = 1; i < steps; i++) {
    sum += (i % 2 ? 4 : 2) * f(from + i * h)
  }
  return (sum * h) / 3
}

/** P(arm i has the highest value) for independent continuous distributions. */
function probabilityBest(densities: Density[]): number[] {
  if (densities.length < 2) {
    return densities.map(() => 1)
  }
  const raw = densities.map((own, i) =>
    simpson(
      (x) => {
        let p = own.pdf(x)
        for (let j = 0; j < densities.length && p > 0; j++) {
          if (j !== i) {
            p *= densities[j].cdf(x)
          }
        }
        return p
      },
      own.from,
      own.to
    )
  )
  const total = raw.reduce((a, b) => a + b, 0)
  return raw.map((p) => (total > 0 ? p / total : 1 / densities.length))
}

export type ConversionArm = { recipients: number; converted: number }

/** The Beta posterior of a conversion rate under a uniform prior. */
export function conversionPosterior(arm: ConversionArm): { alpha: number; beta: number } {
  const converted = Math.max(0, Math.min(arm.converted, arm.recipients))
  return { alpha: 1 + converted, beta: 1 + arm.recipients - converted }
}

/** For each arm, the probability that its conversion rate is the highest (beta-binomial). */
export function conversionProbabilityToBeBest(arms: ConversionArm[]): number[] {
  return probabilityBest(
    arms.map((arm) => {
      const { alpha, beta } = conversionPosterior(arm)
      const mean = alpha / (alpha + beta)
      const sd = Math.sqrt((alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1)))
      return {
        pdf: (x: number) => jStat.beta.pdf(x, alpha, beta),
        cdf: (x: number) => jStat.beta.cdf(x, alpha, beta),
        from: Math.max(0, mean - SPREAD * sd),
        to: Math.min(1, mean + SPREAD * sd),
      }
    })
  )
}

/** Per-recipient revenue in one currency: how many recipients, the sum and the sum of squares of what each spent. */
export type RevenueArm = { recipients: number; sum: number; sum_squares: number }

function meanAndVarianceOfMean(arm: RevenueArm) {
  const mean = arm.sum / arm.recipients
  const variance = Math.max(0, (arm.sum_squares - (arm.sum * arm.sum) / arm.recipients) / (arm.recipients - 1))
  return { mean, varianceOfMean: variance / arm.recipients }
}

/**
 * For each arm, the probability that its revenue per recipient is the highest (normal approximation).
 * Null while an arm has fewer than 2 recipients, when no variance can be estimated.
 */
export function revenueProbabilityToBeBest(arms: RevenueArm[]): number[] | null {
  if (arms.some((arm) => arm.recipients < 2)) {
    return null
  }
  const stats = arms.map(meanAndVarianceOfMean)
  // An arm where everyone spent the same has no spread; a tiny one keeps the integral defined.
  const scale = Math.max(1e-9, ...stats.map((s) => Math.abs(s.mean) * 1e-9))
  return probabilityBest(
    stats.map(({ mean, varianceOfMean }) => {
      const sd = Math.max(Math.sqrt(varianceOfMean), scale)
      return {
        pdf: (x: number) => jStat.normal.pdf(x, mean, sd),
        cdf: (x: number) => jStat.normal.cdf(x, mean, sd),
        from: mean - SPREAD * sd,
        to: mean + SPREAD * sd,
      }
    })
  )
}

export type Interval = { estimate: number; low: number; high: number }

function zFor(confidence: number) {
  return jStat.normal.inv(1 - (1 - confidence) / 2, 0, 1)
}

/** Wilson's score interval for a proportion. */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  if (trials <= 0) {
    return { estimate: 0, low: 0, high: 1 }
  }
  const z = zFor(confidence)
  const p = successes / trials
  const denominator = 1 + (z * z) / trials
  const center = (p + (z * z) / (2 * trials)) / denominator
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))
  return { estimate: p, low: Math.max(0, center - half), high: Math.min(1, center + half) }
}

/** p1 - p2 with Newcombe's hybrid score interval (1998, method 10). */
export function proportionDifference(a: ConversionArm, b: ConversionArm, confidence = 0.95): Interval {
  const first = wilsonInterval(a.converted, a.recipients, confidence)
  const second = wilsonInterval(b.converted, b.recipients, confidence)
  const d = first.estimate - second.estimate
  return {
    estimate: d,
    low: d - Math.sqrt((first.estimate - first.low) ** 2 + (second.high - second.estimate) ** 2),
    high: d + Math.sqrt((first.high - first.estimate) ** 2 + (second.estimate - second.low) ** 2),
  }
}

/** Difference of two means of per-recipient revenue, with a normal (Welch) interval. */
export function meanDifference(a: RevenueArm, b: RevenueArm, confidence = 0.95): Interval {
  const first = meanAndVarianceOfMean(a)
  const second = meanAndVarianceOfMean(b)
  const d = first.mean - second.mean
  const half = zFor(confidence) * Math.sqrt(first.varianceOfMean + second.varianceOfMean)
  return { estimate: d, low: d - half, high: d + half }
}

/** Below these, a holdout comparison says "not enough data" rather than show a number. */
export const HOLDOUT_MIN_ENTRANTS = 100
export const HOLDOUT_MIN_CONVERSIONS = 10

export type HoldoutRevenue = { currency_code: string; treated: RevenueArm; holdout: RevenueArm }

export type Incrementality = {
  confidence: number
  enough_data: boolean
  /** Why there is no estimate yet, in words a store owner reads. Null when there is one. */
  message: string | null
  treated: { entrants: number; converted: number; conversion_rate: number }
  holdout: { entrants: number; converted: number; conversion_rate: number }
  /** Treated rate minus holdout rate (absolute), and orders the flow added among the treated. */
  conversion: { difference: Interval; relative_lift: number | null; incremental_orders: Interval } | null
  /** Per currency: revenue per entrant, treated minus holdout, and the revenue the flow added. */
  revenue: {
    currency_code: string
    treated_per_entrant: number
    holdout_per_entrant: number
    difference: Interval
    incremental_revenue: Interval
  }[]
}

const scaled = (interval: Interval, by: number): Interval => ({
  estimate: interval.estimate * by,
  low: interval.low * by,
  high: interval.high * by,
})

/** What the flow earned over what its entrants would have done anyway, measured against the holdout. */
export function incrementality(
  treated: ConversionArm,
  holdout: ConversionArm,
  revenue: HoldoutRevenue[],
  confidence = 0.95
): Incrementality {
  const rate = (arm: ConversionArm) => (arm.recipients > 0 ? arm.converted / arm.recipients : 0)
  const base = {
    confidence,
    treated: { entrants: treated.recipients, converted: treated.converted, conversion_rate: rate(treated) },
    holdout: { entrants: holdout.recipients, converted: holdout.converted, conversion_rate: rate(holdout) },
  }
  const shortfall =
    holdout.recipients < HOLDOUT_MIN_ENTRANTS
      ? `Not enough data yet: the holdout has ${holdout.recipients} of the ${HOLDOUT_MIN_ENTRANTS} entrants needed.`
      : treated.recipients < HOLDOUT_MIN_ENTRANTS
        ? `Not enough data yet: ${treated.recipients} of the ${HOLDOUT_MIN_ENTRANTS} messaged entrants needed.`
        : treated.converted + holdout.converted < HOLDOUT_MIN_CONVERSIONS
          ? `Not enough data yet: ${treated.converted + holdout.converted} of the ${HOLDOUT_MIN_CONVERSIONS} orders needed across both groups.`
          : null
  if (shortfall) {
    return { ...base, enough_data: false, message: shortfall, conversion: null, revenue: [] }
  }
  const difference = proportionDifference(treated, holdout, confidence)
  return {
    ...base,
    enough_data: true,
    message: null,
    conversion: {
      difference,
      relative_lift: rate(holdout) > 0 ? rate(treated) / rate(holdout) - 1 : null,
      incremental_orders: scaled(difference, treated.recipients),
    },
    revenue: revenue.map((r) => {
      const diff = meanDifference(r.treated, r.holdout, confidence)
      return {
        currency_code: r.currency_code,
        treated_per_entrant: r.treated.sum / r.treated.recipients,
        holdout_per_entrant: r.holdout.sum / r.holdout.recipients,
        difference: diff,
        incremental_revenue: scaled(diff, r.treated.recipients),
      }
    }),
  }
}

export const AUTO_PROMOTE_DEFAULTS = { min_recipients: 500, probability: 0.95 } as const

export type PromotionDecision =
  | { promote: true; variant: string; probability: number }
  | { promote: false; reason: string; leader: string | null; probability: number | null }

/**
 * Whether a split has a winner to promote: every variant has at least `min_recipients` recipients and one
 * variant's probability to be best (by conversion) reaches `probability`.
 */
export function decidePromotion(
  variants: (ConversionArm & { key: string })[],
  rule: { min_recipients?: number; probability?: number } = {}
): PromotionDecision {
  const minRecipients = rule.min_recipients ?? AUTO_PROMOTE_DEFAULTS.min_recipients
  const threshold = rule.probability ?? AUTO_PROMOTE_DEFAULTS.probability
  const short = variants.find((v) => v.recipients < minRecipients)
  if (variants.length < 2 || short) {
    return {
      promote: false,
      reason: short ? `variant "${short.key}" has ${short.recipients} of ${minRecipients} recipients` : "fewer than 2 variants",
      leader: null,
      probability: null,
    }
  }
  const probabilities = conversionProbabilityToBeBest(variants)
  const best = probabilities.indexOf(Math.max(...probabilities))
  const leader = variants[best].key
  if (probabilities[best] >= threshold) {
    return { promote: true, variant: leader, probability: probabilities[best] }
  }
  return { promote: false, reason: `no variant is best with ${threshold * 100}% probability yet`, leader, probability: probabilities[best] }
}

/**
 * Whether a run is in the flow's holdout: decided from the run id alone, so the same run always gets
 * the same answer, and over many runs `percent`% of them are held out.
 */
export function isHeldOut(runId: string, percent: number | undefined | null): boolean {
  if (!percent || percent <= 0) {
    return false
  }
  const hash = createHash("sha256").update(`${runId}:holdout`).digest()
  return (hash.readUInt32BE(0) / 0x1_0000_0000) * 100 < percent
}

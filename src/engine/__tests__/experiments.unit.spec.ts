import { jStat } from "jstat"
import {
  conversionProbabilityToBeBest,
  decidePromotion,
  incrementality,
  isHeldOut,
  meanDifference,
  proportionDifference,
  revenueProbabilityToBeBest,
  wilsonInterval,
} from "../experiments"

// ln Γ(n) for a whole n, summed exactly: the closed form below must not lean on the library it checks.
const lnFactorials = [0]
function lnGammaInt(n: number) {
  for (let k = lnFactorials.length; k < n; k++) {
    lnFactorials.push(lnFactorials[k - 1] + Math.log(k))
  }
  return lnFactorials[n - 1]
}
const lnBeta = (a: number, b: number) => lnGammaInt(a) + lnGammaInt(b) - lnGammaInt(a + b)

/** P(p_B > p_A) for p_A ~ Beta(aA, bA), p_B ~ Beta(aB, bB), whole parameters (Evan Miller's closed form). */
function closedFormBBeatsA(aA: number, bA: number, aB: number, bB: number) {
  let total = 0
  for (let i = 0; i < aB; i++) {
    total += Math.exp(lnBeta(aA + i, bA + bB) - Math.log(bB + i) - lnBeta(1 + i, bB) - lnBeta(aA, bA))
  }
  return total
}

describe("conversion probability to be best (beta-binomial)", () => {
  it.each([
    [
      { recipients: 1000, converted: 100 },
      { recipients: 1000, converted: 120 },
    ],
    [
      { recipients: 50, converted: 3 },
      { recipients: 60, converted: 9 },
    ],
    [
      { recipients: 5000, converted: 250 },
      { recipients: 5000, converted: 260 },
    ],
    [
      { recipients: 10, converted: 0 },
      { recipients: 10, converted: 1 },
    ],
  ])("matches the closed form for two variants (%o vs %o)", (a, b) => {
    const expected = closedFormBBeatsA(1 + a.converted, 1 + a.recipients - a.converted, 1 + b.converted, 1 + b.recipients - b.converted)
    const [pa, pb] = conversionProbabilityToBeBest([a, b])
    expect(pb).toBeCloseTo(expected, 5)
    expect(pa + pb).toBeCloseTo(1, 9)
  })

  it("gives a known value: 100/1000 against 120/1000 is best with about 92%", () => {
    // Computed independently (closed form above): 0.9248...
    expect(
      conversionProbabilityToBeBest([
        { recipients: 1000, converted: 100 },
        { recipients: 1000, converted: 120 },
      ])[1]
    ).toBeCloseTo(closedFormBBeatsA(101, 901, 121, 881), 6)
    expect(closedFormBBeatsA(101, 901, 121, 881)).toBeGreaterThan(0.92)
    expect(closedFormBBeatsA(101, 901, 121, 881)).toBeLessThan(0.93)
  })

  it("splits evenly between identical variants, also with three or more", () => {
    const same = { recipients: 800, converted: 40 }
    conversionProbabilityToBeBest([same, same, same]).forEach((p) => expect(p).toBeCloseTo(1 / 3, 6))
    conversionProbabilityToBeBest([same, same]).forEach((p) => expect(p).toBeCloseTo(0.5, 6))
    // No data at all: nothing to choose between.
    conversionProbabilityToBeBest([
      { recipients: 0, converted: 0 },
      { recipients: 0, converted: 0 },
    ]).forEach((p) => expect(p).toBeCloseTo(0.5, 6))
  })

  it("agrees with a seeded Monte Carlo estimate for three variants", () => {
    // Beta draws from Gamma draws (Marsaglia-Tsang) with a fixed-seed generator: deterministic.
    let seed = 42
    const uniform = () => {
      seed = (seed * 1664525 + 1013904223) % 4294967296
      return (seed + 0.5) / 4294967296
    }
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
    const gamma = (shape: number): number => {
      const d = shape - 1 / 3
      const c = 1 / Math.sqrt(9 * d)
      for (;;) {
        const x = normal()
        const v = (1 + c * x) ** 3
        if (v > 0 && Math.log(uniform()) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
          return d * v
        }
      }
    }
    const arms = [
      { recipients: 400, converted: 30 },
      { recipients: 420, converted: 38 },
      { recipients: 390, converted: 35 },
    ]
    const wins = [0, 0, 0]
    const draws = 60_000
    for (let i = 0; i < draws; i++) {
      const values = arms.map((a) => {
        const x = gamma(1 + a.converted)
        return x / (x + gamma(1 + a.recipients - a.converted))
      })
      wins[values.indexOf(Math.max(...values))] += 1
    }
    const exact = conversionProbabilityToBeBest(arms)
    // 60 000 draws: standard error under 0.0021.
    exact.forEach((p, i) => expect(Math.abs(p - wins[i] / draws)).toBeLessThan(0.008))
  })
})

describe("revenue per recipient probability to be best (normal approximation)", () => {
  const arm = (recipients: number, mean: number, sd: number) => ({
    recipients,
    sum: mean * recipients,
    sum_squares: (sd * sd * (recipients - 1) + mean * mean * recipients) as number,
  })

  it("matches the closed form for two variants: P(B > A) = Φ((μB − μA) / √(σA²/nA + σB²/nB))", () => {
    const a = arm(400, 5, 20)
    const b = arm(500, 7, 25)
    const z = (7 - 5) / Math.sqrt((20 * 20) / 400 + (25 * 25) / 500)
    const [, pb] = revenueProbabilityToBeBest([a, b])!
    expect(pb).toBeCloseTo(jStat.normal.cdf(z, 0, 1), 6)
    // z = 2 / 1.5 = 1.3333: Φ(1.3333) = 0.9088 (standard normal table)
    expect(pb).toBeCloseTo(0.9088, 3)
  })

  it("handles variants where nobody spent anything, and refuses with fewer than 2 recipients", () => {
    const none = { recipients: 100, sum: 0, sum_squares: 0 }
    revenueProbabilityToBeBest([none, none])!.forEach((p) => expect(p).toBeCloseTo(0.5, 6))
    expect(revenueProbabilityToBeBest([none, arm(200, 3, 10)])![1]).toBeGreaterThan(0.99)
    expect(revenueProbabilityToBeBest([none, { recipients: 1, sum: 5, sum_squares: 25 }])).toBeNull()
  })
})

describe("intervals", () => {
  it("Wilson's interval (Newcombe 1998, Table I)", () => {
    // Newcombe (1998), Table I, example 0/10: Wilson 95% interval 0 to 0.2775.
    const zero = wilsonInterval(0, 10)
    expect(zero.low).toBe(0)
    expect(zero.high).toBeCloseTo(0.2775, 4)
    // Newcombe (1998), Table I, example 81/263: 0.2553 to 0.3662.
    const mid = wilsonInterval(81, 263)
    expect(mid.low).toBeCloseTo(0.2553, 4)
    expect(mid.high).toBeCloseTo(0.3662, 4)
  })

  it("Newcombe's hybrid score interval for a difference of proportions (Newcombe 1998, Table II)", () => {
    // Example (a): 56/70 − 48/80, method 10: +0.0524 to +0.3339.
    const d = proportionDifference({ converted: 56, recipients: 70 }, { converted: 48, recipients: 80 })
    expect(d.estimate).toBeCloseTo(0.2, 9)
    expect(d.low).toBeCloseTo(0.0524, 4)
    expect(d.high).toBeCloseTo(0.3339, 4)
    // Example (h): 0/10 − 0/20: −0.1611 to +0.2775.
    const zero = proportionDifference({ converted: 0, recipients: 10 }, { converted: 0, recipients: 20 })
    expect(zero.low).toBeCloseTo(-0.1611, 4)
    expect(zero.high).toBeCloseTo(0.2775, 4)
  })

  it("difference of mean revenue with a normal interval", () => {
    // Means 12 and 10, variances of the mean 0.04 and 0.05: 2 ± 1.959964 × 0.3 = 1.4120 to 2.5880.
    const a = { recipients: 100, sum: 1200, sum_squares: 4 * 99 + 144 * 100 }
    const b = { recipients: 100, sum: 1000, sum_squares: 5 * 99 + 100 * 100 }
    const d = meanDifference(a, b)
    expect(d.estimate).toBeCloseTo(2, 9)
    expect(d.low).toBeCloseTo(1.412, 3)
    expect(d.high).toBeCloseTo(2.588, 3)
  })
})

describe("incrementality against a holdout", () => {
  it("says plainly when there is not enough data", () => {
    const small = incrementality({ recipients: 900, converted: 40 }, { recipients: 30, converted: 1 }, [])
    expect(small.enough_data).toBe(false)
    expect(small.message).toBe("Not enough data yet: the holdout has 30 of the 100 entrants needed.")
    expect(small.conversion).toBeNull()
    const fewOrders = incrementality({ recipients: 900, converted: 4 }, { recipients: 100, converted: 0 }, [])
    expect(fewOrders.message).toMatch(/4 of the 10 orders/)
  })

  it("reports the difference, the lift and the orders and revenue the flow added, per currency", () => {
    const result = incrementality({ recipients: 900, converted: 90 }, { recipients: 100, converted: 5 }, [
      {
        currency_code: "eur",
        treated: { recipients: 900, sum: 4500, sum_squares: 4500 * 60 },
        holdout: { recipients: 100, sum: 200, sum_squares: 200 * 45 },
      },
    ])
    expect(result.enough_data).toBe(true)
    expect(result.conversion!.difference.estimate).toBeCloseTo(0.05, 9)
    expect(result.conversion!.relative_lift).toBeCloseTo(1, 9)
    expect(result.conversion!.incremental_orders.estimate).toBeCloseTo(45, 6)
    expect(result.conversion!.difference.low).toBeLessThan(0.05)
    expect(result.conversion!.difference.high).toBeGreaterThan(0.05)
    const [eur] = result.revenue
    expect(eur.treated_per_entrant).toBe(5)
    expect(eur.holdout_per_entrant).toBe(2)
    expect(eur.difference.estimate).toBeCloseTo(3, 9)
    expect(eur.incremental_revenue.estimate).toBeCloseTo(2700, 6)
  })
})

describe("automatic promotion", () => {
  it("waits until every variant has enough recipients", () => {
    const decision = decidePromotion([
      { key: "a", recipients: 600, converted: 30 },
      { key: "b", recipients: 499, converted: 90 },
    ])
    expect(decision).toMatchObject({ promote: false, reason: 'variant "b" has 499 of 500 recipients' })
  })

  it("promotes the variant that passes the threshold, and not one that does not", () => {
    expect(
      decidePromotion([
        { key: "a", recipients: 600, converted: 30 },
        { key: "b", recipients: 600, converted: 60 },
      ])
    ).toMatchObject({ promote: true, variant: "b" })
    const close = decidePromotion([
      { key: "a", recipients: 600, converted: 30 },
      { key: "b", recipients: 600, converted: 33 },
    ])
    expect(close).toMatchObject({ promote: false, leader: "b" })
    expect(
      decidePromotion(
        [
          { key: "a", recipients: 100, converted: 1 },
          { key: "b", recipients: 100, converted: 3 },
        ],
        { min_recipients: 50, probability: 0.6 }
      )
    ).toMatchObject({ promote: true, variant: "b" })
  })
})

describe("holdout assignment", () => {
  it("is the same every time for a run, and holds out the share asked for", () => {
    expect(isHeldOut("flowrun_01ABC", 50)).toBe(isHeldOut("flowrun_01ABC", 50))
    expect(isHeldOut("flowrun_01ABC", 0)).toBe(false)
    expect(isHeldOut("flowrun_01ABC", 100)).toBe(true)
    const runs = 20_000
    let held = 0
    for (let i = 0; i < runs; i++) {
      held += isHeldOut(`flowrun_${i.toString(36)}_${(i * 7919).toString(16)}`, 10) ? 1 : 0
    }
    // Binomial(20 000, 0.1): sd 42, so ±1% is over 4 sd.
    expect(Math.abs(held / runs - 0.1)).toBeLessThan(0.01)
  })
})

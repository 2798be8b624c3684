// How far a ratio of percentiles can be trusted when its samples come in turns that the two sides took one
// after the other: a paired bootstrap over turns. A turn's requests share the machine's speed of the moment,
// so whole turns are drawn, not single requests, and each draw takes a turn of one side with the turn of the
// other taken next to it.

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]

function percentilesOf(turns, picks) {
  const sorted = Float64Array.from(picks.flatMap((j) => turns[j])).sort()
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) }
}

const interval = (ratios) => {
  const sorted = Float64Array.from(ratios).sort()
  return [percentile(sorted, 2.5), percentile(sorted, 97.5)]
}

/**
 * 95% intervals of the with/without ratios at p50 and p95, for each endpoint and for their sum (the whole
 * checkout). `endpoints[k]` is `{ without, with }`, each the response times of every turn, turn j of one side
 * taken next to turn j of the other.
 */
function ratioIntervals(endpoints, { resamples = 2000, random = Math.random } = {}) {
  const draws = endpoints.map(() => ({ p50: [], p95: [] }))
  const whole = { p50: [], p95: [] }
  for (let r = 0; r < resamples; r++) {
    const sums = { without: { p50: 0, p95: 0 }, with: { p50: 0, p95: 0 } }
    endpoints.forEach((endpoint, k) => {
      const picks = endpoint.without.map(() => Math.floor(random() * endpoint.without.length))
      const [without, withPlugin] = [percentilesOf(endpoint.without, picks), percentilesOf(endpoint.with, picks)]
      for (const key of ["p50", "p95"]) {
        draws[k][key].push(withPlugin[key] / without[key])
        sums.without[key] += without[key]
        sums.with[key] += withPlugin[key]
      }
    })
    for (const key of ["p50", "p95"]) {
      whole[key].push(sums.with[key] / sums.without[key])
    }
  }
  return {
    endpoints: draws.map((draw) => ({ p50: interval(draw.p50), p95: interval(draw.p95) })),
    checkout: { p50: interval(whole.p50), p95: interval(whole.p95) },
  }
}

/**
 * 95% intervals of the with/without ratio of a quantity summed over turns (the CPU time a store spent in
 * them), for each endpoint and for the sum over endpoints (the whole checkout). `endpoints[k]` is
 * `{ without, with }`, each one number a turn, turn j of one side taken next to turn j of the other.
 */
function totalRatioIntervals(endpoints, { resamples = 2000, random = Math.random } = {}) {
  const draws = endpoints.map(() => [])
  const whole = []
  for (let r = 0; r < resamples; r++) {
    const sums = { without: 0, with: 0 }
    endpoints.forEach((endpoint, k) => {
      let [without, withPlugin] = [0, 0]
      for (let n = 0; n < endpoint.without.length; n++) {
        const j = Math.floor(random() * endpoint.without.length)
        without += endpoint.without[j]
        withPlugin += endpoint.with[j]
      }
      draws[k].push(withPlugin / without)
      sums.without += without
      sums.with += withPlugin
    })
    whole.push(sums.with / sums.without)
  }
  return { endpoints: draws.map(interval), checkout: interval(whole) }
}

module.exports = { percentile, ratioIntervals, totalRatioIntervals }

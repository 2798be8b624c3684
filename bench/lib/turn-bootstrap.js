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
 * The paired bootstrap: each of `resamples` draws picks turns of an endpoint at random, the same turns on
 * both sides; `measure(turns, picks)` gives one side's figures over them, by name; each figure's with/without
 * ratio is kept for the endpoint, and the ratio of its sums over the endpoints for the whole checkout.
 * Returns the 95% interval of every figure's ratios, for each endpoint and for the whole checkout.
 */
function pairedIntervals(endpoints, measure, { resamples = 2000, random = Math.random } = {}) {
  const draws = endpoints.map(() => ({}))
  const whole = {}
  const keep = (ratios, key, ratio) => (ratios[key] ??= []).push(ratio)
  for (let r = 0; r < resamples; r++) {
    const sums = { without: {}, with: {} }
    endpoints.forEach((endpoint, k) => {
      const picks = endpoint.without.map(() => Math.floor(random() * endpoint.without.length))
      const [without, withPlugin] = [measure(endpoint.without, picks), measure(endpoint.with, picks)]
      for (const key of Object.keys(without)) {
        keep(draws[k], key, withPlugin[key] / without[key])
        sums.without[key] = (sums.without[key] ?? 0) + without[key]
        sums.with[key] = (sums.with[key] ?? 0) + withPlugin[key]
      }
    })
    for (const key of Object.keys(sums.without)) {
      keep(whole, key, sums.with[key] / sums.without[key])
    }
  }
  const intervals = (ratios) => Object.fromEntries(Object.entries(ratios).map(([key, values]) => [key, interval(values)]))
  return { endpoints: draws.map(intervals), checkout: intervals(whole) }
}

/**
 * 95% intervals of the with/without ratios at p50 and p95, for each endpoint and for their sum (the whole
 * checkout). `endpoints[k]` is `{ without, with }`, each the response times of every turn, turn j of one side
 * taken next to turn j of the other.
 */
const ratioIntervals = (endpoints, options) => pairedIntervals(endpoints, percentilesOf, options)

/**
 * 95% intervals of the with/without ratio of a quantity summed over turns (the CPU time a store spent in
 * them), for each endpoint and for the sum over endpoints (the whole checkout). `endpoints[k]` is
 * `{ without, with }`, each one number a turn, turn j of one side taken next to turn j of the other.
 */
function totalRatioIntervals(endpoints, options) {
  const total = (turns, picks) => ({ total: picks.reduce((sum, j) => sum + turns[j], 0) })
  const { endpoints: each, checkout } = pairedIntervals(endpoints, total, options)
  return { endpoints: each.map((intervals) => intervals.total), checkout: checkout.total }
}

module.exports = { percentile, ratioIntervals, totalRatioIntervals }

// Where in its turns a store's slow requests fall (bench/store-api.js).
const { percentile } = require("./turn-bootstrap")

const ascending = (times) => [...times].sort((a, b) => a - b)

/**
 * Where in its turns a store's slow requests fall. A turn's response times are in the order its requests
 * were sent, so its first half is the requests sent first. Work a store did between its turns (with the
 * plugin: recording the turn's store events), or the garbage of it, lands on the first half of the next;
 * the machine's own swings fall on both halves alike. A turn's first requests also open its connections and
 * its last run on fewer of them, so the halves differ on every store: read a store's figures against those
 * of the stores without the plugin. Per store: the whole checkout's p95 (the sum over the endpoints) over the
 * first halves of its turns and over the second, and the share of the requests at or over their endpoint's
 * p95 that were sent in a first half. Null when a turn is too short to have two halves.
 */
function turnHalves(turnsByEndpoint) {
  if (turnsByEndpoint.some((turns) => turns.some((times) => times.length < 2))) {
    return null
  }
  const p95 = (times) => percentile(ascending(times), 95)
  const halves = turnsByEndpoint.map((turns) => {
    const early = turns.flatMap((times) => times.slice(0, Math.floor(times.length / 2)))
    const late = turns.flatMap((times) => times.slice(Math.floor(times.length / 2)))
    const slowFrom = p95([...early, ...late])
    const slowEarly = early.filter((time) => time >= slowFrom).length
    return { early: p95(early), late: p95(late), slowEarly, slow: slowEarly + late.filter((time) => time >= slowFrom).length }
  })
  const sum = (key) => halves.reduce((total, half) => total + half[key], 0)
  return {
    early_p95_ms: sum("early"),
    late_p95_ms: sum("late"),
    ratio_early_to_late: sum("early") / sum("late"),
    slow_in_first_half: sum("slowEarly") / sum("slow"),
  }
}

module.exports = { turnHalves }

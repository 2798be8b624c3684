// Where in its turns a store's slow requests fall (bench/store-api.js).
const { percentile } = require("./turn-bootstrap")

const ascending = (times) => [...times].sort((a, b) => a - b)

/**
 * Where in its turns a store's slow requests fall. A turn's response times are in the order the responses
 * came, so its first half is the requests answered first. Work a store did between its turns (with the
 * plugin: recording the turn's store events), or the garbage of it, lands on the first half of the next;
 * the machine's own swings fall on both halves alike. Per store: the whole checkout's p95 (the sum over the
 * endpoints) over the first halves of its turns and over the second, and the share of the requests at or
 * over their endpoint's p95 that came in a first half (about half when position does not matter).
 */
function turnHalves(turnsByEndpoint) {
  const p95 = (times) => percentile(ascending(times), 95)
  const halves = turnsByEndpoint.map((turns) => {
    const early = turns.flatMap((times) => times.slice(0, Math.ceil(times.length / 2)))
    const late = turns.flatMap((times) => times.slice(Math.ceil(times.length / 2)))
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

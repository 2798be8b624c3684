// What the benches share: the flows module's Database over Medusa's own knex connection, a median timer and
// a plan reader, so each bench calls the built module's SQL as the store does.

/** A list bound to one `?` becomes one `?` per item, as the module's MikroORM connection does. */
function expandLists(text, params) {
  const flat = []
  let index = 0
  const expanded = text.replace(/\?/g, () => {
    const value = params[index++]
    if (Array.isArray(value)) {
      flat.push(...value)
      return value.map(() => "?").join(", ")
    }
    flat.push(value)
    return "?"
  })
  return [expanded, flat]
}

/** The module's Database, over a knex connection or transaction. */
const database = (knex) => ({
  rows: async (text, params = []) => (await knex.raw(...expandLists(text, params))).rows,
  first: async (text, params = []) => (await knex.raw(...expandLists(text, params))).rows[0],
  transaction: async (work) => await knex.transaction(async (trx) => work(database(trx))),
})

/** The median of `runs` timings of `read`, in ms; `read` gets the run's index. */
async function time(read, runs = 5) {
  const samples = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    await read(i)
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(runs / 2)]
}

/** The scans a statement's plan uses, e.g. ["Index Scan IDX_flows_run_next_run_at"]. */
async function planUses(knex, text, params = []) {
  const { rows } = await knex.raw(...expandLists(`EXPLAIN ${text}`, params))
  return [
    ...new Set(
      rows
        .map((r) => r["QUERY PLAN"].match(/(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan) (using|on) "?(\w+)"?/))
        .filter(Boolean)
        .map((m) => `${m[1]} ${m[3]}`)
    ),
  ]
}

module.exports = { database, expandLists, planUses, time }

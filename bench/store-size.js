// How the plugin's reads hold up as a store grows: one scheduler tick and one abandoned-cart detection at
// 10 thousand and at 1 million carts and runs, against the abandoned-cart job of Medusa's documentation
// (medusajs/examples abandoned-cart: a daily job that pages through every cart with an email, not
// completed and not updated for a day) on the same data. Run after `npm run build`:
//   node bench/store-size.js [--sizes=10000,1000000] [--keep] [--json] [--smoke] [--database=medusa_flows_bench_size]
// Each size gets a database of its own (`<database>_<size>`), migrated as a store would (`medusa db:migrate`)
// and filled with Medusa's own `cart` and `cart_line_item` rows and the plugin's contacts, runs and
// messages. It then times, median of 11 (the documentation's job: median of 3), the built module's own SQL:
// the claim, a tick's claim and reads, and `recordEvent` for a cart event, each in a transaction that is
// rolled back so every sample sees the same data. `--smoke` runs 300 and 3,000 (CI); `--json` prints one
// JSON object.
const os = require("node:os")
const path = require("node:path")
const { ModulesSdkUtils } = require("@medusajs/framework/utils")
const { ensurePostgres, ROOT } = require("../scripts/postgres")
const { STORE_DIR, linkPlugin, medusa, prepareDatabase } = require("../scripts/demo-store")
const { database, expandLists, planUses } = require("./knex-database")

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? found.split("=")[1] : fallback
}
const SMOKE = process.argv.includes("--smoke")
const SIZES = arg("sizes", SMOKE ? "300,3000" : "10000,1000000")
  .split(",")
  .map(Number)
const DATABASE = arg("database", "medusa_flows_bench_size")
const JSON_OUTPUT = process.argv.includes("--json")
const KEEP = process.argv.includes("--keep")
const log = (...args) => (JSON_OUTPUT ? undefined : console.log(...args))
const RUNS = 11
const BASELINE_RUNS = 3
const DAY_MS = 86_400_000

const built = (file) => require(path.join(ROOT, ".medusa/server/src/modules/flows", file))
const entry = built("actions/entry.js")
const runActions = built("actions/runs.js")
const { parsePluginOptions } = built("options.js")

const CONTEXT = {
  options: parsePluginOptions({ storefrontUrl: "http://shop.test", secret: "bench-secret-that-is-at-least-32-characters" }),
  channels: {},
}

/**
 * Cart i (0 = newest, spread over 90 days): 7 in 10 have an email, and each of those is a contact with an
 * abandoned-cart run; 2 in 10 were completed (their runs exited). The other runs, one for every 10 carts
 * with 3 in 10 contacts, are welcome runs. So 8 runs in 10 are active: 1 in 100 of them due within the last
 * hour, the rest waiting up to 3 days. Half the contacts were sent a message and opened it.
 */
async function seed(knex, size, now) {
  // The migration seeded the built-in flows, inactive: the store switches two of them on.
  const { rows: flows } = await knex.raw(
    `UPDATE flows_flow SET status = 'active' WHERE handle IN ('abandoned-cart', 'welcome-series') RETURNING handle, id, current_version_id`
  )
  const [cartFlow, welcomeFlow] = ["abandoned-cart", "welcome-series"].map((handle) => flows.find((f) => f.handle === handle))
  const carts = `SELECT i, ?::timestamptz - (i::float / ? * interval '90 days') AS t FROM generate_series(0, ? - 1) i`
  await knex.raw(
    `INSERT INTO cart (id, region_id, sales_channel_id, email, currency_code, created_at, updated_at, completed_at)
     SELECT 'cart_' || i, 'reg_bench', 'sc_bench', CASE WHEN i % 10 < 7 THEN 'shopper' || i || '@example.com' END, 'usd',
       t - interval '20 minutes', t, CASE WHEN i % 10 < 2 THEN t END
     FROM (${carts}) s`,
    [now, size, size]
  )
  await knex.raw(
    `INSERT INTO cart_line_item (id, cart_id, title, quantity, variant_id, product_id, unit_price, raw_unit_price, created_at, updated_at)
     SELECT 'cali_' || i, 'cart_' || i, 'Canvas Tote', 1 + i % 3, 'variant_' || i % 50, 'prod_' || i % 50, 25,
       '{"value":"25","precision":20}', t - interval '20 minutes', t
     FROM (${carts}) s`,
    [now, size, size]
  )
  await knex.raw(
    `INSERT INTO flows_contact (id, email, first_name, created_at, updated_at, last_cart_at)
     SELECT 'flowcon_' || i, 'shopper' || i || '@example.com', 'Shopper', t, t, t FROM (${carts}) s WHERE i % 10 < 7`,
    [now, size, size]
  )
  // Active: next_run_at is due for 1 in 100, else up to 3 days ahead. Ended: the cart was completed.
  const runColumns = `flow_id, flow_version_id, subject_type, subject_id, contact_id, email, status, step_id, step_entered_at,
    next_run_at, ended_at, exit_reason, context, created_at, updated_at`
  const activeOrEnded = (ended) => `CASE WHEN ${ended} THEN 'exited' ELSE 'active' END, 'idle-1h', t,
    CASE WHEN ${ended} THEN NULL WHEN i % 100 = 5 THEN ?::timestamptz - (i % 60) * interval '1 minute'
      ELSE ?::timestamptz + (i % 4320) * interval '1 minute' END,
    CASE WHEN ${ended} THEN t END, CASE WHEN ${ended} THEN 'event:order.placed' END,
    '{"fingerprint":"seeded"}'::jsonb, t, t`
  await knex.raw(
    `INSERT INTO flows_run (id, cart_id, ${runColumns})
     SELECT 'flowrun_ac_' || i, 'cart_' || i, ?, ?, 'contact', 'flowcon_' || i,
       'flowcon_' || i, 'shopper' || i || '@example.com', ${activeOrEnded("i % 10 < 2")}
     FROM (${carts}) s WHERE i % 10 < 7`,
    [cartFlow.id, cartFlow.current_version_id, now, now, now, size, size]
  )
  await knex.raw(
    `INSERT INTO flows_run (id, cart_id, ${runColumns})
     SELECT 'flowrun_wel_' || i, NULL, ?, ?, 'contact', 'flowcon_' || i,
       'flowcon_' || i, 'shopper' || i || '@example.com', ${activeOrEnded("false")}
     FROM (${carts}) s WHERE i % 10 < 3`,
    [welcomeFlow.id, welcomeFlow.current_version_id, now, now, now, size, size]
  )
  await knex.raw(
    `INSERT INTO flows_message (id, idempotency_key, flow_id, run_id, step_id, contact_id, channel, provider, "to", status,
       sent_at, created_at, updated_at)
     SELECT 'msg_' || i, 'k' || i, ?, 'flowrun_ac_' || i, 'reminder-email', 'flowcon_' || i, 'email',
       'sandbox', 'shopper' || i || '@example.com', 'opened', t + interval '1 hour', t + interval '1 hour', t + interval '1 hour'
     FROM (${carts}) s WHERE i % 10 < 5`,
    [cartFlow.id, now, size, size]
  )
  await knex.raw(
    `INSERT INTO flows_contact_event (id, contact_id, type, occurred_at, flow_id, message_id, run_id, created_at, updated_at)
     SELECT 'open_' || id, contact_id, 'email.opened', created_at + interval '5 minutes', flow_id, id, run_id, created_at, created_at
     FROM flows_message`
  )
  await knex.raw("ANALYZE")
}

/**
 * A Database over a transaction that also counts the pages (shared buffers, hit or read) each statement
 * touches: it runs it first under EXPLAIN (ANALYZE, BUFFERS) in a savepoint it rolls back. Pages do not
 * depend on the machine's load, so their ratio between sizes is the steady figure next to the times.
 */
function pagesCounted(trx, counter) {
  const plain = database(trx)
  const explainFirst = async (text, params) => {
    await trx.raw("SAVEPOINT pages")
    const { rows } = await trx.raw(...expandLists(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, params))
    const plan = rows[0]["QUERY PLAN"][0].Plan
    counter.pages += plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
    await trx.raw("ROLLBACK TO SAVEPOINT pages")
  }
  return {
    rows: async (text, params = []) => (await explainFirst(text, params), await plain.rows(text, params)),
    first: async (text, params = []) => (await explainFirst(text, params), await plain.first(text, params)),
    transaction: async (work) => await trx.transaction(async (inner) => work(pagesCounted(inner, counter))),
  }
}

/**
 * Runs `work` in a transaction that is rolled back, so the next sample sees the same store; with a
 * `counter`, it counts the pages each statement touches instead of being timed.
 */
async function rolledBack(knex, work, counter) {
  const trx = await knex.transaction()
  try {
    return await work({ ...CONTEXT, db: counter ? pagesCounted(trx, counter) : database(trx) })
  } finally {
    await trx.rollback()
  }
}

/**
 * What one tick reads and writes in the database before it decides and sends: the claim, then for the whole
 * claim the flow versions it needs, the people's facts (consent, engagement, what they did since each run
 * started) and the carts it follows with their items, as the dispatcher reads them: a few statements per
 * claim, not per run.
 */
async function tick(ctx, now) {
  const runs = await runActions.claimDueRuns(ctx, now)
  if (!runs.length) {
    return 0
  }
  await ctx.db.rows(`SELECT id, definition FROM flows_flow_version WHERE id IN (?)`, [[...new Set(runs.map((r) => r.flow_version_id))]])
  await runActions.personFactsOfRuns(ctx, runs, now)
  const carts = runs.flatMap((run) => run.cart_id ?? [])
  if (carts.length) {
    await ctx.db.rows(`SELECT * FROM cart WHERE id IN (?) AND deleted_at IS NULL`, [carts])
    await ctx.db.rows(`SELECT * FROM cart_line_item WHERE cart_id IN (?) AND deleted_at IS NULL`, [carts])
  }
  return runs.length
}

/** A cart.updated event as the subscriber builds it from the live cart. */
function cartEvent(cartId, email, quantity, now) {
  const items = [{ id: `cali_${cartId}`, title: "Canvas Tote", variant_id: "variant_7", product_id: "prod_7", quantity, unit_price: 25 }]
  const cart = {
    id: cartId,
    email,
    completed_at: null,
    created_at: now,
    items,
    item_count: quantity,
    subtotal: 25 * quantity,
    total: 25 * quantity,
  }
  return {
    name: "cart.updated",
    occurred_at: now,
    subject: { type: "cart", id: cartId },
    identity: { cart_id: cartId, email },
    facts: { cart },
  }
}

const OLD_CARTS = `deleted_at IS NULL AND updated_at < ? AND email IS NOT NULL AND completed_at IS NULL`

/** The documented job's first query.graph call, as its SQL: the count, the first page of 100 carts by offset, their items. */
async function recipePage(db, oneDayAgo) {
  const { count } = await db.first(`SELECT count(*)::int AS count FROM cart WHERE ${OLD_CARTS}`, [oneDayAgo])
  const carts = await db.rows(`SELECT id, email, metadata, customer_id FROM cart WHERE ${OLD_CARTS} ORDER BY id LIMIT 100 OFFSET 0`, [
    oneDayAgo,
  ])
  const items = carts.length
    ? await db.rows(`SELECT * FROM cart_line_item WHERE cart_id IN (?) AND deleted_at IS NULL`, [carts.map((c) => c.id)])
    : []
  return { count, carts: carts.length, items: items.length }
}

/**
 * The documented job's whole pass over every old cart, 100 at a time. The job pages by offset and counts
 * again on every page, which grows with the square of the carts; this pages by id and counts once, so it is
 * a lower bound on what the job reads.
 */
async function recipeJob(db, oneDayAgo) {
  const { count } = await db.first(`SELECT count(*)::int AS count FROM cart WHERE ${OLD_CARTS}`, [oneDayAgo])
  let read = 0
  for (let after = ""; ;) {
    const carts = await db.rows(`SELECT id, email, metadata, customer_id FROM cart WHERE ${OLD_CARTS} AND id > ? ORDER BY id LIMIT 100`, [
      oneDayAgo,
      after,
    ])
    if (!carts.length) {
      return { count, carts: read }
    }
    await db.rows(`SELECT * FROM cart_line_item WHERE cart_id IN (?) AND deleted_at IS NULL`, [carts.map((c) => c.id)])
    read += carts.length
    after = carts[carts.length - 1].id
  }
}

/** Carts with an active abandoned-cart run (i % 10 in 2..6, not the due ones), spread over the store: one per sample and one to warm up. */
const cartsWithRuns = (size) => Array.from({ length: RUNS + 1 }, (_, k) => Math.floor(((k + 1) * size) / (RUNS + 2) / 10) * 10 + 3)

const oneDayBefore = (now) => new Date(now.getTime() - DAY_MS)

/** What is timed in each store (`{ knex, size, now }`): sample k's work, which returns what it did. */
const READS = [
  {
    name: "claim",
    runs: RUNS,
    work: (s, k, counter) => rolledBack(s.knex, async (ctx) => ({ runs: (await runActions.claimDueRuns(ctx, s.now)).length }), counter),
  },
  { name: "tick", runs: RUNS, work: (s, k, counter) => rolledBack(s.knex, async (ctx) => ({ runs: await tick(ctx, s.now) }), counter) },
  {
    name: "detection, cart with a run",
    runs: RUNS,
    work: (s, k, counter) => {
      const i = cartsWithRuns(s.size)[k]
      const event = cartEvent(`cart_${i}`, `shopper${i}@example.com`, 5, s.now)
      return rolledBack(s.knex, async (ctx) => ({ restarted: (await entry.recordEvent(ctx, event)).restarted.length }), counter)
    },
  },
  {
    name: "detection, new cart",
    runs: RUNS,
    work: (s, k, counter) => {
      const event = cartEvent(`cart_new_${k}`, `new${k}@example.com`, 1, s.now)
      return rolledBack(s.knex, async (ctx) => ({ entered: (await entry.recordEvent(ctx, event)).entered.length }), counter)
    },
  },
  {
    name: "documented job, one page",
    runs: RUNS,
    work: (s, k, counter) => rolledBack(s.knex, (ctx) => recipePage(ctx.db, oneDayBefore(s.now)), counter),
  },
  { name: "documented job, all old carts", runs: BASELINE_RUNS, work: (s) => recipeJob(database(s.knex), oneDayBefore(s.now)) },
]

/**
 * Times each read in every store, the stores' samples taken in turn, so a change in the machine's load
 * (others share it) falls on every size alike. Each read is done once untimed first, counting the pages it
 * touches (except the documented job's whole pass). Returns, per store, each read's median, its pages and what
 * its last sample did.
 */
async function measure(stores) {
  const results = stores.map((s) => ({ size: s.size, reads: {}, plans: {} }))
  for (const read of READS) {
    const samples = stores.map(() => [])
    const did = []
    const pages = []
    if (read.runs === RUNS) {
      for (const [index, store] of stores.entries()) {
        const counter = { pages: 0 }
        await read.work(store, RUNS, counter)
        pages[index] = counter.pages
      }
    }
    for (let k = 0; k < read.runs; k++) {
      for (const [index, store] of stores.entries()) {
        const start = process.hrtime.bigint()
        did[index] = await read.work(store, k)
        samples[index].push(Number(process.hrtime.bigint() - start) / 1e6)
      }
    }
    for (const [index, result] of results.entries()) {
      const sorted = samples[index].sort((a, b) => a - b)
      result.reads[read.name] = { ms: sorted[Math.floor(sorted.length / 2)], pages: pages[index] ?? null, ...did[index] }
    }
  }
  for (const [index, store] of stores.entries()) {
    results[index].plans = await plans(store)
  }
  return results
}

/** Which index each of the plugin's reads uses, and the documented job's. */
async function plans({ knex, size, now }) {
  const withRun = cartsWithRuns(size)
  const oneDayAgo = oneDayBefore(now)
  const contact = `flowcon_${withRun[0]}`
  const { id: cartFlowId } = (await knex.raw("SELECT id FROM flows_flow WHERE handle = 'abandoned-cart'")).rows[0]
  const statements = {
    claim: [
      `SELECT id FROM flows_run WHERE status = 'active' AND deleted_at IS NULL AND next_run_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
       ORDER BY next_run_at LIMIT 50 FOR UPDATE SKIP LOCKED`,
      [now, now],
    ],
    "active run of the person (activeRunOfContact)": [
      `SELECT r.id FROM flows_run r JOIN flows_flow_version v ON v.id = r.flow_version_id
       WHERE r.flow_id = ? AND r.contact_id = ? AND r.status = 'active' AND r.deleted_at IS NULL
       ORDER BY (r.subject_type = 'contact') DESC, r.created_at DESC LIMIT 1`,
      [cartFlowId, contact],
    ],
    "runs an event may end (activeRunsFor)": [
      `SELECT r.id FROM flows_run r JOIN flows_flow_version v ON v.id = r.flow_version_id
       WHERE r.status = 'active' AND r.deleted_at IS NULL AND (r.cart_id = ? OR r.order_id = ? OR r.customer_id = ? OR r.email = ?)`,
      [`cart_${withRun[0]}`, null, null, `shopper${withRun[0]}@example.com`],
    ],
    "earlier runs of the person (previousRunsOfContact)": [
      `SELECT status, created_at FROM flows_run WHERE flow_id = ? AND contact_id = ? AND deleted_at IS NULL`,
      [cartFlowId, contact],
    ],
    "documented job: count of old carts": [`SELECT count(*) FROM cart WHERE ${OLD_CARTS}`, [oneDayAgo]],
    "documented job: a page by offset": [`SELECT id FROM cart WHERE ${OLD_CARTS} ORDER BY id LIMIT 100 OFFSET 0`, [oneDayAgo]],
  }
  const uses = {}
  for (const [label, [text, params]] of Object.entries(statements)) {
    uses[label] = await planUses(knex, text, params)
  }
  return uses
}

/** Migrates and seeds a new store; a kept one is measured at the time it was seeded (its newest cart's last update). */
async function seeded(knex, url, size) {
  const { rows } = await knex.raw("SELECT to_regclass('flows_run') AS t")
  const seededAt = rows[0].t && (await knex.raw("SELECT max(updated_at) AS at FROM cart")).rows[0].at
  if (seededAt) {
    return new Date(seededAt)
  }
  log(`migrating a store database for ${size.toLocaleString()} carts…`)
  linkPlugin()
  await medusa(["db:migrate", "--skip-links"], { ...process.env, DATABASE_URL: url, LOG_LEVEL: "error" }, { cwd: STORE_DIR })
  const start = Date.now()
  const now = new Date()
  await seed(knex, size, now)
  log(`seeded in ${((Date.now() - start) / 1000).toFixed(0)} s`)
  return now
}

async function main() {
  const pg = await ensurePostgres({ dataDir: path.join(ROOT, ".data", "test-postgres") })
  const server = { host: pg.env.DB_HOST, port: Number(pg.env.DB_PORT), user: pg.env.DB_USERNAME, password: pg.env.DB_PASSWORD ?? "" }
  const cpus = os.cpus()
  const results = {
    sizes: SIZES,
    machine: { cpus: cpus.length, cpu: cpus[0]?.model ?? null, memory_gb: Math.round(os.totalmem() / 2 ** 30) },
    runs: [],
  }
  const stores = []
  try {
    for (const size of SIZES) {
      const url = await prepareDatabase(server, `${DATABASE}_${size}`, { reset: !KEEP })
      const knex = ModulesSdkUtils.createPgConnection({ clientUrl: url, schema: "public" })
      stores.push({ knex, size, now: await seeded(knex, url, size) })
    }
    results.machine.postgres = (await stores[0].knex.raw("SHOW server_version")).rows[0].server_version
    results.runs = await measure(stores)
  } finally {
    await Promise.all(stores.map((s) => s.knex.destroy()))
    await pg.stop()
  }
  results.load_average = os.loadavg().map((l) => Number(l.toFixed(2)))
  if (JSON_OUTPUT) {
    console.log(JSON.stringify(results))
    return
  }
  report(results)
}

function report({ runs, load_average }) {
  const [small, large] = [runs[0], runs[runs.length - 1]]
  const n = (size) => size.toLocaleString()
  log(`\nmedian of ${RUNS} (the documented job's whole pass: ${BASELINE_RUNS}); load average ${load_average.join(", ")}\n`)
  log(`| read | ${n(small.size)} carts and runs | ${n(large.size)} | ratio | pages | pages | ratio |\n|---|---|---|---|---|---|---|`)
  for (const name of Object.keys(small.reads)) {
    const [a, b] = [small.reads[name], large.reads[name]]
    const pages = a.pages === null ? "| | |" : `| ${a.pages} | ${b.pages} | ${(b.pages / a.pages).toFixed(2)}× |`
    log(`| ${name} | ${a.ms.toFixed(1)} ms | ${b.ms.toFixed(1)} ms | ${(b.ms / a.ms).toFixed(2)}× ${pages}`)
  }
  for (const run of runs) {
    const r = run.reads
    const job = r["documented job, all old carts"].ms
    log(
      `\n${n(run.size)}: the tick claimed ${r.tick.runs} runs (${(r.tick.ms / Math.max(r.tick.runs, 1)).toFixed(2)} ms a run); the documented job` +
        ` read ${r["documented job, all old carts"].carts.toLocaleString()} old carts, ${(job / r.tick.ms).toFixed(1)}× a tick and` +
        ` ${(job / r["detection, cart with a run"].ms).toFixed(1)}× a detection.`
    )
  }
  log(`\nplans (${n(large.size)}):`)
  for (const [label, uses] of Object.entries(large.plans)) {
    log(`  ${label}: ${uses.join(", ")}`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})

// How long the admin's analytics reads take on a large store: a year of flow messages (10M by default),
// orders credited to them (some refunded or canceled), machine opens, clicks and unsubscribes, in a database
// of its own. Run after `npm run build`:
//   node bench/analytics.js [--messages=10000000] [--keep] [--json] [--database=medusa_flows_bench]
// It builds the daily rollup as the fold job does, then times, median of 5 runs and in the same run, the raw
// reads analytics made before the rollup (the baseline) and the read it makes now, and prints each plan's
// index use. --json prints the results as one JSON object instead (the CI smoke test reads it).
const os = require("node:os")
const path = require("node:path")
const { ModulesSdkUtils } = require("@medusajs/framework/utils")
const { ensurePostgres, ROOT } = require("../scripts/postgres")
const { STORE_DIR, linkPlugin, medusa, prepareDatabase } = require("../scripts/demo-store")
const { database, planUses, time } = require("./knex-database")

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? found.split("=")[1] : fallback
}
const MESSAGES = Number(arg("messages", 10_000_000))
const DATABASE = arg("database", "medusa_flows_bench")
const JSON_OUTPUT = process.argv.includes("--json")
const log = (...args) => (JSON_OUTPUT ? undefined : console.log(...args))
const FLOWS = 20
const DAY_MS = 86_400_000

const built = (file) => require(path.join(ROOT, ".medusa/server/src/modules/flows", file))
const sql = built("sql/analytics.js")
const { flowStats } = built("sql/stats.js")
const { foldDirtyDays } = built("sql/rollups.js")
const { periodRows } = built("actions/reporting.js")

async function seed(knex) {
  log(`seeding ${FLOWS} flows and ${MESSAGES.toLocaleString()} messages over 365 days…`)
  await knex.raw(
    `INSERT INTO flows_flow (id, name, status, trigger_event, definition)
     SELECT 'flow_' || i, 'Flow ' || i, 'active', 'cart.updated', '{"trigger":{"event":"cart.updated"},"steps":[]}'
     FROM generate_series(1, ?) i`,
    [FLOWS]
  )
  // Statuses in a plausible mix: most delivered, a third opened, a tenth clicked, a few failed; a quarter of
  // the emails opened by a mail proxy.
  await knex.raw(
    `INSERT INTO flows_message (id, idempotency_key, flow_id, run_id, step_id, contact_id, channel, provider, "to",
       status, sent_at, created_at, updated_at, machine_opened_at)
     SELECT 'msg_' || i, 'k' || i, 'flow_' || (1 + i % ?), 'run_' || (i / 3), 'step-' || (i % 3), 'con_' || (i % 100000),
       CASE WHEN i % 5 = 0 THEN 'sms' ELSE 'email' END, 'sandbox', 'p' || i || '@example.com',
       (ARRAY['delivered','delivered','opened','delivered','clicked','opened','delivered','sent','bounced','opened'])[1 + i % 10],
       t, t, t, CASE WHEN i % 4 = 0 AND i % 5 <> 0 THEN t + interval '5 minutes' END
     FROM (SELECT i, now() - (i::float / ? * interval '365 days') AS t FROM generate_series(1, ?) i) s`,
    [FLOWS, MESSAGES, MESSAGES]
  )
  await knex.raw(
    `INSERT INTO flows_conversion (id, order_id, contact_id, flow_id, step_id, message_id, channel, touch, amount,
       raw_amount, currency_code, ordered_at)
     SELECT 'conv_' || id, 'order_' || id, contact_id, flow_id, step_id, id, channel, 'message', 42.5,
       '{"value":"42.5","precision":20}', CASE WHEN substr(id, 5)::int % 120 = 0 THEN 'eur' ELSE 'usd' END,
       created_at + interval '1 hour'
     FROM flows_message WHERE id LIKE 'msg_%' AND substr(id, 5)::int % 40 = 0`
  )
  // One order in 10 refunded by half, one in 50 canceled.
  await knex.raw(
    `UPDATE flows_conversion SET
       refunded_amount = CASE WHEN substr(id, 10)::int % 2000 = 0 THEN amount ELSE amount / 2 END,
       canceled_at = CASE WHEN substr(id, 10)::int % 2000 = 0 THEN ordered_at + interval '1 day' END
     WHERE substr(id, 10)::int % 400 = 0`
  )
  await knex.raw(
    `INSERT INTO flows_contact_event (id, contact_id, type, occurred_at, flow_id, message_id, created_at, updated_at)
     SELECT 'evt_' || id, contact_id, 'email.unsubscribed', created_at, flow_id, id, created_at, created_at
     FROM flows_message WHERE id LIKE 'msg_%' AND substr(id, 5)::int % 200 = 0`
  )
  // Each clicked message's click, on one of three links (each recipient's own query string).
  await knex.raw(
    `INSERT INTO flows_contact_event (id, contact_id, type, occurred_at, flow_id, message_id, data, created_at, updated_at)
     SELECT 'clk_' || id, contact_id, channel || '.clicked', created_at + interval '10 minutes', flow_id, id,
       jsonb_build_object('url', 'https://shop.test/' || (ARRAY['cart', 'products/mug', 'sale'])[1 + substr(id, 5)::int % 3]
         || '?c=' || id),
       created_at, created_at
     FROM flows_message WHERE id LIKE 'msg_%' AND status = 'clicked'`
  )
  await knex.raw("ANALYZE")
}

/** The raw reads analytics made before the rollup: the baseline. */
const rawRead = (db, range) =>
  Promise.all([sql.messageCounts(db, range), sql.conversionCounts(db, range), sql.unsubscribeCounts(db, range), sql.dailyCounts(db, range)])

/** What analytics reads now: whole days from the rollup, the rest raw, and clicks per link for one flow. */
const rollupRead = (db, range) => Promise.all([periodRows(db, range), range.flow_id ? sql.linkClicks(db, range) : []])

async function plan(knex, label, text, params) {
  log(`  ${label}: ${(await planUses(knex, text, params)).join(", ")}`)
}

async function main() {
  const pg = await ensurePostgres({ dataDir: path.join(ROOT, ".data", "test-postgres") })
  const server = { host: pg.env.DB_HOST, port: Number(pg.env.DB_PORT), user: pg.env.DB_USERNAME, password: pg.env.DB_PASSWORD ?? "" }
  const keep = process.argv.includes("--keep")
  const url = await prepareDatabase(server, DATABASE, { reset: !keep })
  const knex = ModulesSdkUtils.createPgConnection({ clientUrl: url, schema: "public" })
  try {
    const { rows } = await knex.raw("SELECT to_regclass('flows_message') AS t")
    if (!rows[0].t) {
      log("migrating a store database…")
      linkPlugin()
      await medusa(["db:migrate", "--skip-links"], { ...process.env, DATABASE_URL: url, LOG_LEVEL: "error" }, { cwd: STORE_DIR })
      await seed(knex)
    }
    const db = database(knex)
    // Build the rollup of every day the seed changed, as the fold job does, 31 days at a time.
    const foldStart = process.hrtime.bigint()
    let folded = 0
    for (let days; (days = await foldDirtyDays(db, 31, new Date())).length;) {
      folded += days.length
    }
    const foldMs = Number(process.hrtime.bigint() - foldStart) / 1e6
    await knex.raw("ANALYZE flows_daily_stat")
    const now = new Date()
    const month = { from: new Date(now.getTime() - 30 * DAY_MS), to: now }
    const year = { from: new Date(now.getTime() - 365 * DAY_MS), to: now }
    const cpus = os.cpus()
    const results = {
      messages: MESSAGES,
      flows: FLOWS,
      machine: {
        cpus: cpus.length,
        cpu: cpus[0]?.model ?? null,
        memory_gb: Math.round(os.totalmem() / 2 ** 30),
        postgres: (await knex.raw("SHOW server_version")).rows[0].server_version,
      },
      rollup_build: { days: folded, ms: Math.round(foldMs) },
      reads: [],
    }
    log(`\n${MESSAGES.toLocaleString()} messages, ${FLOWS} flows, 365 days; median of 5`)
    log(`rollup built for ${folded} days in ${(foldMs / 1000).toFixed(1)} s\n`)
    log("| read | before: raw reads (baseline) | now: rollup | ratio |\n|---|---|---|---|")
    const listed = await time(() => flowStats(db, month.from))
    results.reads.push({ read: "flows list (flowStats, 30 days)", now_ms: listed })
    log(`| flows list (flowStats, 30 days) | | ${listed.toFixed(1)} ms | |`)
    for (const [label, range] of [
      ["analytics, all flows, 30 days", month],
      ["analytics, one flow, 30 days", { ...month, flow_id: "flow_7" }],
      ["analytics, all flows, 365 days", year],
      ["analytics, one flow, 365 days", { ...year, flow_id: "flow_7" }],
    ]) {
      const before = await time(() => rawRead(db, range))
      const after = await time(() => rollupRead(db, range))
      results.reads.push({ read: label, before_ms: before, now_ms: after, ratio: before / after })
      log(`| ${label} | ${before.toFixed(1)} ms | ${after.toFixed(1)} ms | ${(before / after).toFixed(1)}× |`)
    }
    if (JSON_OUTPUT) {
      console.log(JSON.stringify(results))
      return
    }
    log("\nplans:")
    await plan(
      knex,
      "rollup, all flows, 365 days",
      `SELECT count(*) FROM flows_daily_stat WHERE deleted_at IS NULL AND day >= ? AND day < ?`,
      [year.from, year.to]
    )
    await plan(
      knex,
      "rollup, one flow, 365 days",
      `SELECT count(*) FROM flows_daily_stat WHERE deleted_at IS NULL AND day >= ? AND day < ? AND flow_id = ?`,
      [year.from, year.to, "flow_7"]
    )
    await plan(
      knex,
      "clicks per link, one flow, 365 days",
      `SELECT count(*) FROM flows_contact_event WHERE type IN ('email.clicked', 'sms.clicked') AND flow_id = ?
         AND deleted_at IS NULL AND occurred_at >= ? AND occurred_at < ?`,
      ["flow_7", year.from, year.to]
    )
    await plan(
      knex,
      "messages, all flows, 30 days (raw)",
      `SELECT count(*) FROM flows_message WHERE run_id IS NOT NULL AND deleted_at IS NULL AND created_at >= ? AND created_at < ?`,
      [month.from, month.to]
    )
  } finally {
    await knex.destroy()
    await pg.stop()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})

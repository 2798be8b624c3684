// How long the admin's analytics reads take on a large store: a year of flow messages (1M by default),
// orders credited to them and unsubscribes, in a database of its own. Run after `npm run build`:
//   node bench/analytics.js [--messages=1000000] [--keep]
// It times the plugin's own SQL (the built module), median of 5 runs, and prints each plan's index use.
const path = require("node:path")
const { ModulesSdkUtils } = require("@medusajs/framework/utils")
const { ensurePostgres, ROOT } = require("../scripts/postgres")
const { STORE_DIR, linkPlugin, medusa, prepareDatabase } = require("../scripts/demo-store")

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? Number(found.split("=")[1]) : fallback
}
const MESSAGES = arg("messages", 1_000_000)
const FLOWS = 20
const DAY_MS = 86_400_000

const sql = require(path.join(ROOT, ".medusa/server/src/modules/flows/sql/analytics.js"))
const { flowStats } = require(path.join(ROOT, ".medusa/server/src/modules/flows/sql/stats.js"))

/** The module's Database, over Medusa's own knex connection. */
const database = (knex) => ({ rows: async (text, params = []) => (await knex.raw(text, params)).rows })

async function seed(knex) {
  console.log(`seeding ${FLOWS} flows and ${MESSAGES.toLocaleString()} messages over 365 days…`)
  await knex.raw(
    `INSERT INTO flows_flow (id, name, status, trigger_event, definition)
     SELECT 'flow_' || i, 'Flow ' || i, 'active', 'cart.updated', '{"trigger":{"event":"cart.updated"},"steps":[]}'
     FROM generate_series(1, ?) i`,
    [FLOWS]
  )
  // Statuses in a plausible mix: most delivered, a third opened, a tenth clicked, a few failed.
  await knex.raw(
    `INSERT INTO flows_message (id, idempotency_key, flow_id, run_id, step_id, contact_id, channel, provider, "to",
       status, sent_at, created_at, updated_at)
     SELECT 'msg_' || i, 'k' || i, 'flow_' || (1 + i % ?), 'run_' || (i / 3), 'step-' || (i % 3), 'con_' || (i % 100000),
       CASE WHEN i % 5 = 0 THEN 'sms' ELSE 'email' END, 'sandbox', 'p' || i || '@example.com',
       (ARRAY['delivered','delivered','opened','delivered','clicked','opened','delivered','sent','bounced','opened'])[1 + i % 10],
       t, t, t
     FROM (SELECT i, now() - (i::float / ? * interval '365 days') AS t FROM generate_series(1, ?) i) s`,
    [FLOWS, MESSAGES, MESSAGES]
  )
  await knex.raw(
    `INSERT INTO flows_conversion (id, order_id, contact_id, flow_id, step_id, message_id, channel, touch, amount,
       raw_amount, currency_code, ordered_at)
     SELECT 'conv_' || id, 'order_' || id, contact_id, flow_id, step_id, id, channel, 'message', 42.5,
       '{"value":"42.5","precision":20}', 'usd', created_at + interval '1 hour'
     FROM flows_message WHERE id LIKE 'msg_%' AND substr(id, 5)::int % 40 = 0`
  )
  await knex.raw(
    `INSERT INTO flows_contact_event (id, contact_id, type, occurred_at, flow_id, message_id, created_at, updated_at)
     SELECT 'evt_' || id, contact_id, 'email.unsubscribed', created_at, flow_id, id, created_at, created_at
     FROM flows_message WHERE id LIKE 'msg_%' AND substr(id, 5)::int % 200 = 0`
  )
  await knex.raw("ANALYZE")
}

async function time(label, read) {
  const samples = []
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint()
    await read()
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  samples.sort((a, b) => a - b)
  console.log(`| ${label} | ${samples[2].toFixed(1)} ms |`)
}

async function plan(knex, label, text, params) {
  const { rows } = await knex.raw(`EXPLAIN ${text}`, params)
  const uses = [
    ...new Set(
      rows
        .map((r) => r["QUERY PLAN"].match(/(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan) (using|on) "?(\w+)"?/))
        .filter(Boolean)
        .map((m) => `${m[1]} ${m[3]}`)
    ),
  ]
  console.log(`  ${label}: ${uses.join(", ")}`)
}

async function main() {
  const pg = await ensurePostgres({ dataDir: path.join(ROOT, ".data", "test-postgres") })
  const server = { host: pg.env.DB_HOST, port: Number(pg.env.DB_PORT), user: pg.env.DB_USERNAME, password: pg.env.DB_PASSWORD ?? "" }
  const keep = process.argv.includes("--keep")
  const url = await prepareDatabase(server, "medusa_flows_bench", { reset: !keep })
  const knex = ModulesSdkUtils.createPgConnection({ clientUrl: url, schema: "public" })
  try {
    const { rows } = await knex.raw("SELECT to_regclass('flows_message') AS t")
    if (!rows[0].t) {
      console.log("migrating a store database…")
      linkPlugin()
      await medusa(["db:migrate", "--skip-links"], { ...process.env, DATABASE_URL: url, LOG_LEVEL: "error" }, { cwd: STORE_DIR })
      await seed(knex)
    }
    const db = database(knex)
    const now = new Date()
    const month = { from: new Date(now.getTime() - 30 * DAY_MS), to: now }
    const year = { from: new Date(now.getTime() - 365 * DAY_MS), to: now }
    const oneFlow = { ...month, flow_id: "flow_7" }
    console.log(`\n${MESSAGES.toLocaleString()} messages, ${FLOWS} flows, 365 days; median of 5\n`)
    console.log("| read | time |\n|---|---|")
    await time("flows list (`flowStats`, 30 days)", () => flowStats(db, month.from))
    for (const [label, range] of [
      ["all flows, 30 days", month],
      ["one flow, 30 days", oneFlow],
      ["all flows, 365 days", year],
    ]) {
      await time(`analytics, ${label} (4 reads)`, () =>
        Promise.all([
          sql.messageCounts(db, range),
          sql.conversionCounts(db, range),
          sql.unsubscribeCounts(db, range),
          sql.dailyCounts(db, range),
        ])
      )
    }
    console.log("\nplans:")
    await plan(
      knex,
      "messages, one flow, 30 days",
      `SELECT count(*) FROM flows_message WHERE run_id IS NOT NULL AND deleted_at IS NULL AND created_at >= ? AND created_at < ? AND flow_id = ?`,
      [oneFlow.from, oneFlow.to, oneFlow.flow_id]
    )
    await plan(
      knex,
      "messages, all flows, 30 days",
      `SELECT count(*) FROM flows_message WHERE run_id IS NOT NULL AND deleted_at IS NULL AND created_at >= ? AND created_at < ?`,
      [month.from, month.to]
    )
    await plan(
      knex,
      "unsubscribes, all flows, 30 days",
      `SELECT count(*) FROM flows_contact_event WHERE type IN ('email.unsubscribed', 'sms.opted_out') AND flow_id IS NOT NULL
         AND deleted_at IS NULL AND occurred_at >= ? AND occurred_at < ?`,
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

// Dispatch throughput: messages per second from due flow steps to the email provider, with 1, 2 and 4
// worker processes (the demo store built and started as `medusa start` workers over Redis, see
// scripts/store-cluster.js), with the sandbox and with the in-repo SendGrid fake; and, as the baseline in
// the same run, how fast the same Postgres takes message-shaped rows inserted directly, over as many
// connections as there are workers. Run after `npm run build`:
//   node bench/dispatch.js [--runs=2000] [--workers=1,2,4] [--providers=sandbox,sendgrid]
//     [--scheduler='{"pollIntervalMs":1000,"batchSize":1000}'] [--database=medusa_flows_dispatch]
//     [--redis=redis://127.0.0.1:6379/2] [--json] [--smoke]
// --scheduler is merged into the plugin's `scheduler` options (FLOWS_SCHEDULER). The Redis database given
// is flushed before each configuration: give the bench one of its own. --smoke: 20 runs, 1 and 2 workers.
// Databases: <BENCH_DB_PREFIX or medusa_flows>_dispatch, with _template, _run and _raw copies.
const os = require("node:os")
const { Client } = require("pg")
const Redis = require("ioredis")
const cluster = require("../scripts/store-cluster")
const { seedFlow, insertDueRuns, waitForDrain, outcomes } = require("./lib/due-runs")
const { startFakeSendGrid } = require("./lib/fake-sendgrid")

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? found.slice(name.length + 3) : fallback
}
const SMOKE = process.argv.includes("--smoke")
const RUNS = Number(arg("runs", SMOKE ? 20 : 2000))
const WORKERS = arg("workers", SMOKE ? "1,2" : "1,2,4")
  .split(",")
  .map(Number)
const PROVIDERS = arg("providers", "sandbox,sendgrid").split(",")
const SCHEDULER = arg("scheduler", JSON.stringify({ pollIntervalMs: 1000, batchSize: 1000 }))
const DATABASE = arg("database", `${process.env.BENCH_DB_PREFIX || "medusa_flows"}_dispatch${SMOKE ? "_smoke" : ""}`)
const REDIS_URL = arg("redis", "redis://127.0.0.1:6379/2")
const JSON_OUTPUT = process.argv.includes("--json")
const WORKER_PORTS = [9120, 9121, 9122, 9123]
const FAKE_PORT = 9129
const log = (line) => (JSON_OUTPUT ? undefined : console.log(`[dispatch] ${line}`))

const connect = async (url) => {
  const client = new Client({ connectionString: url })
  await client.connect()
  return client
}

/** A fresh copy of the migrated, seeded template database, so every configuration starts alike. */
async function freshCopy(templateUrl, name) {
  const admin = await connect(templateUrl.replace(/\/[^/]+$/, "/postgres"))
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${DATABASE}_template`)
  } finally {
    await admin.end()
  }
  return templateUrl.replace(/\/[^/]+$/, `/${name}`)
}

async function flushRedis() {
  const redis = new Redis(REDIS_URL)
  await redis.flushdb()
  redis.disconnect()
}

/** Starts `workers` workers on a fresh copy, makes RUNS runs due and times them until every one is done. */
async function measureDispatch(base, templateUrl, provider, workers, fake) {
  const url = await freshCopy(templateUrl, `${DATABASE}_run`)
  await flushRedis()
  const env = {
    ...base,
    DATABASE_URL: url,
    FLOWS_SCHEDULER: SCHEDULER,
    ...(provider === "sendgrid" && { SENDGRID_API_KEY: fake.apiKey, SENDGRID_API_BASE_URL: fake.url }),
  }
  log(`${provider}, ${workers} worker(s): starting`)
  const procs = await cluster.startCluster({ env, workers: WORKER_PORTS.slice(0, workers) })
  const client = await connect(url)
  try {
    const before = fake && (await fake.counts())
    await insertDueRuns(client, RUNS)
    const start = performance.now()
    const end = await waitForDrain(client, { timeoutMs: Math.max(300_000, RUNS * 100) })
    const seconds = (end - start) / 1000
    const after = fake && (await fake.counts())
    const result = {
      provider,
      workers,
      seconds,
      msg_per_s: RUNS / seconds,
      ...(await outcomes(client)),
      ...(after && {
        provider_received: {
          requests: after.requests - before.requests,
          personalizations: after.personalizations - before.personalizations,
        },
      }),
    }
    log(`${provider}, ${workers} worker(s): ${RUNS} runs in ${seconds.toFixed(1)} s, ${result.msg_per_s.toFixed(1)} msg/s`)
    const { rows } = await client.query(`SELECT subject, preheader, html, text FROM flows_message WHERE html IS NOT NULL LIMIT 1`)
    return { result, sample: rows[0] }
  } finally {
    await client.end()
    await cluster.stopCluster(procs)
  }
}

/** The baseline: RUNS single-row inserts of `sample`-shaped messages, over `connections` connections at once. */
async function measureRawInserts(templateUrl, connections, sample) {
  const url = await freshCopy(templateUrl, `${DATABASE}_raw`)
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(url)))
  let next = 0
  const start = performance.now()
  await Promise.all(
    clients.map(async (client) => {
      for (let i = next++; i < RUNS; i = next++) {
        await client.query(
          `INSERT INTO flows_message (id, idempotency_key, flow_id, run_id, step_id, contact_id, channel, provider, "to",
             status, subject, preheader, html, text, provider_id, attempts, sent_at)
           VALUES ($1, $2, 'flow_bench_dispatch', $3, 'bench-email', $4, 'email', 'sandbox', $5, 'delivered', $6, $7, $8,
             $9, $10, 1, now())`,
          [
            `flowmsg_raw_${i}`,
            `raw:${i}`,
            `flowrun_bench_${i}`,
            `flowcon_bench_${i}`,
            `bench${i}@example.com`,
            sample.subject,
            sample.preheader,
            sample.html,
            sample.text,
            `sandbox_${i}`,
          ]
        )
      }
    })
  )
  const seconds = (performance.now() - start) / 1000
  await Promise.all(clients.map((c) => c.end()))
  log(`raw inserts, ${connections} connection(s): ${(RUNS / seconds).toFixed(0)} rows/s`)
  return { connections, seconds, rows_per_s: RUNS / seconds }
}

async function machine(url) {
  const client = await connect(url)
  const { rows } = await client.query("SHOW server_version")
  await client.end()
  return {
    cpus: os.cpus().length,
    cpu: os.cpus()[0].model,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    postgres: rows[0].server_version,
  }
}

function printTable(report) {
  const raw = Object.fromEntries(report.raw_insert.map((r) => [r.connections, r.rows_per_s]))
  console.log(
    `\n${RUNS} due runs, scheduler ${SCHEDULER}; load average ${report.load_before.join(", ")} before, ${report.load_after.join(", ")} after\n`
  )
  console.log("| provider | workers | msg/s | vs 1 worker | raw inserts/s (as many connections) | msg/s ÷ raw |")
  console.log("|---|---|---|---|---|---|")
  for (const r of report.dispatch) {
    console.log(
      `| ${r.provider} | ${r.workers} | ${r.msg_per_s.toFixed(1)} | ${r.vs_one_worker == null ? "" : `${r.vs_one_worker.toFixed(2)}×`} | ${raw[r.workers].toFixed(0)} | ${(100 * r.vs_raw_insert).toFixed(1)}% |`
    )
  }
}

async function main() {
  const loadBefore = os.loadavg().map((l) => Number(l.toFixed(2)))
  await cluster.buildStore({ log })
  const base = await cluster.prepareStore({ database: `${DATABASE}_template`, redisUrl: REDIS_URL, log })
  const template = await connect(base.DATABASE_URL)
  await seedFlow(template, RUNS)
  await template.end()

  const fake = PROVIDERS.includes("sendgrid") ? await startFakeSendGrid(FAKE_PORT) : null
  const dispatch = []
  let sample
  try {
    for (const provider of PROVIDERS) {
      for (const workers of WORKERS) {
        const measured = await measureDispatch(base, base.DATABASE_URL, provider, workers, fake)
        dispatch.push(measured.result)
        sample ??= measured.sample
      }
    }
  } finally {
    await fake?.stop()
  }
  const raw_insert = []
  for (const connections of WORKERS) {
    raw_insert.push(await measureRawInserts(base.DATABASE_URL, connections, sample))
  }
  for (const r of dispatch) {
    const one = dispatch.find((d) => d.provider === r.provider && d.workers === 1)
    r.vs_one_worker = one ? r.msg_per_s / one.msg_per_s : null
    r.vs_raw_insert = r.msg_per_s / raw_insert.find((b) => b.connections === r.workers).rows_per_s
  }
  const report = {
    runs: RUNS,
    scheduler: JSON.parse(SCHEDULER),
    machine: await machine(base.DATABASE_URL),
    load_before: loadBefore,
    load_after: os.loadavg().map((l) => Number(l.toFixed(2))),
    raw_insert,
    dispatch,
  }
  if (JSON_OUTPUT) {
    console.log(JSON.stringify(report))
  } else {
    printTable(report)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})

// The worker's memory while it drains a large backlog: one `medusa start` worker of the built demo store
// (over Redis, sandbox email, see scripts/store-cluster.js), 100,000 runs due at once, the worker's resident
// memory (VmRSS) sampled every 500 ms: at idle before the runs (the baseline), its peak during the drain,
// and the growth. Run after `npm run build`:
//   node bench/memory.js [--runs=100000] [--scheduler='{"pollIntervalMs":1000,"batchSize":1000}']
//     [--max-minutes=N] [--worker-heap-mb=N] [--database=medusa_flows_memory] [--redis=redis://127.0.0.1:6379/3]
//     [--port=9124] [--json] [--smoke]
// --worker-heap-mb caps the worker's heap (--max-old-space-size) and nothing else: the build needs more.
// --max-minutes stops the drain early and reports what was drained by then, marked partial. The Redis
// database given is flushed first: give the bench one of its own. --smoke: 200 runs.
// Database: <BENCH_DB_PREFIX or medusa_flows>_memory.
const os = require("node:os")
const { Client } = require("pg")
const Redis = require("ioredis")
const cluster = require("../scripts/store-cluster")
const { seedFlow, insertDueRuns, waitForDrain, outcomes } = require("./lib/due-runs")

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? found.slice(name.length + 3) : fallback
}
const SMOKE = process.argv.includes("--smoke")
const RUNS = Number(arg("runs", SMOKE ? 200 : 100_000))
const SCHEDULER = arg("scheduler", JSON.stringify({ pollIntervalMs: 1000, batchSize: 1000 }))
const MAX_MINUTES = Number(arg("max-minutes", 0))
const WORKER_HEAP_MB = Number(arg("worker-heap-mb", 0))
const DATABASE = arg("database", `${process.env.BENCH_DB_PREFIX || "medusa_flows"}_memory${SMOKE ? "_smoke" : ""}`)
const REDIS_URL = arg("redis", "redis://127.0.0.1:6379/3")
const JSON_OUTPUT = process.argv.includes("--json")
const PORT = Number(arg("port", 9124))
const IDLE_MS = SMOKE ? 3_000 : 15_000
const SAMPLE_MS = 500
const log = (line) => (JSON_OUTPUT ? undefined : console.log(`[memory] ${line}`))
const mb = (bytes) => bytes / 2 ** 20
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Samples the worker's RSS every SAMPLE_MS until stopped; returns the samples in bytes. */
function sampleRss(proc) {
  const samples = []
  const timer = setInterval(() => {
    const rss = cluster.rssBytes(proc)
    if (rss != null) {
      samples.push(rss)
    }
  }, SAMPLE_MS)
  return { samples, stop: () => (clearInterval(timer), samples) }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function main() {
  const loadBefore = os.loadavg().map((l) => Number(l.toFixed(2)))
  await cluster.buildStore({ log })
  const env = await cluster.prepareStore({ database: DATABASE, redisUrl: REDIS_URL, env: { FLOWS_SCHEDULER: SCHEDULER }, log })
  const client = new Client({ connectionString: env.DATABASE_URL })
  await client.connect()
  await seedFlow(client, RUNS)
  const redis = new Redis(REDIS_URL)
  await redis.flushdb()
  redis.disconnect()

  const heapCap = WORKER_HEAP_MB ? `--max-old-space-size=${WORKER_HEAP_MB}` : ""
  const workerEnv = heapCap ? { ...env, NODE_OPTIONS: [env.NODE_OPTIONS, heapCap].filter(Boolean).join(" ") } : env
  const [worker] = await cluster.startCluster({ env: workerEnv, workers: [PORT] })
  let report
  try {
    log(`worker up (pid ${worker.pid}); sampling its RSS at idle for ${IDLE_MS / 1000} s`)
    const idle = sampleRss(worker)
    await sleep(IDLE_MS)
    const baseline = median(idle.stop())

    const drain = sampleRss(worker)
    await insertDueRuns(client, RUNS)
    const start = performance.now()
    let remaining = RUNS
    let partial = false
    try {
      await waitForDrain(client, {
        timeoutMs: MAX_MINUTES ? MAX_MINUTES * 60_000 : Math.max(600_000, RUNS * 200),
        pollMs: 2000,
        onPoll: (active) => {
          if (Math.floor(active / 10_000) !== Math.floor(remaining / 10_000)) {
            log(`${active.toLocaleString()} runs left, RSS ${mb(cluster.rssBytes(worker) ?? 0).toFixed(0)} MB`)
          }
          remaining = active
        },
      })
    } catch (error) {
      if (!MAX_MINUTES) {
        throw error
      }
      partial = true
    }
    const seconds = (performance.now() - start) / 1000
    const samples = drain.stop()
    const peak = Math.max(...samples)
    report = {
      runs: RUNS,
      drained: RUNS - remaining,
      partial,
      seconds,
      msg_per_s: (RUNS - remaining) / seconds,
      scheduler: JSON.parse(SCHEDULER),
      worker_heap_mb: WORKER_HEAP_MB || null,
      rss_mb: { baseline: mb(baseline), peak: mb(peak), growth: mb(peak - baseline), end: mb(samples.at(-1)), ratio: peak / baseline },
      samples: samples.length,
      ...(await outcomes(client)),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0].model, memory_gb: Math.round(os.totalmem() / 2 ** 30) },
      load_before: loadBefore,
      load_after: os.loadavg().map((l) => Number(l.toFixed(2))),
    }
  } finally {
    await client.end()
    await cluster.stopCluster([worker])
  }
  if (JSON_OUTPUT) {
    console.log(JSON.stringify(report))
    return
  }
  const r = report.rss_mb
  console.log(
    `\n${report.drained.toLocaleString()} of ${RUNS.toLocaleString()} runs drained${report.partial ? " (stopped early: partial)" : ""} in ` +
      `${report.seconds.toFixed(0)} s (${report.msg_per_s.toFixed(1)} msg/s), scheduler ${SCHEDULER}${WORKER_HEAP_MB ? `, worker heap capped at ${WORKER_HEAP_MB} MB` : ""}; ` +
      `load average ${report.load_before.join(", ")} before, ${report.load_after.join(", ")} after\n`
  )
  console.log("| worker RSS | MB |\n|---|---|")
  console.log(`| at idle (baseline, median) | ${r.baseline.toFixed(1)} |`)
  console.log(`| peak during the drain | ${r.peak.toFixed(1)} |`)
  console.log(`| growth (peak − baseline) | ${r.growth.toFixed(1)} (${r.ratio.toFixed(2)}×) |`)
  console.log(`| at the end | ${r.end.toFixed(1)} |`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})

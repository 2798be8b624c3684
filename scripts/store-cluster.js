// The demo store run as a production store runs it: built once (`medusa build`, without the admin), then
// several `medusa start` processes over one Postgres and one Redis, each a `server` or a `worker`
// (examples/demo-store/medusa-config.ts switches to Medusa's Redis modules when REDIS_URL is set).
// Benchmarks and fault-injection tests start, stop and `kill -9` these processes.
//
//   const cluster = require("./store-cluster")
//   await cluster.buildStore()                                    // once; needs the plugin built (npm run build)
//   const env = await cluster.prepareStore({ database: "h2_bench", redisUrl: "redis://127.0.0.1:6379/2" })
//   const procs = await cluster.startCluster({ env, servers: [9120], workers: [9121, 9122] })
//   cluster.kill(procs[1])                                        // kill -9, as a crash would
//   await cluster.restart(procs[1])                               // the same process started again
//   await cluster.stopCluster(procs)
//
// A `worker` answers /health too: Medusa's start command registers /health and listens on PORT in every
// mode, only after all loaders (modules, jobs, subscribers, onApplicationStart) have run; a worker merely
// skips the API routes. So "up" means /health answers, for servers and workers alike.
const { spawn } = require("node:child_process")
const fs = require("node:fs")
const path = require("node:path")
const { ROOT } = require("./postgres")
const { STORE_DIR, linkPlugin, medusa, medusaBin, prepareDatabase, setUpStore, stopMedusa, waitForHealth } = require("./demo-store")

const BUILT_STORE = path.join(STORE_DIR, ".medusa", "server")
const LOG_DIR = path.join(ROOT, ".data", "store-cluster")

/** Postgres as the tests find it (DB_* as scripts/postgres.js sets them, else the local server). */
const postgresServer = () => ({
  host: process.env.DB_HOST || "localhost",
  port: Number(process.env.DB_PORT || 5432),
  user: process.env.DB_USERNAME || "postgres",
  password: process.env.DB_PASSWORD || "",
})

/** Builds the demo store without its admin into examples/demo-store/.medusa/server. */
async function buildStore({ log = () => {} } = {}) {
  if (!fs.existsSync(path.join(ROOT, ".medusa", "server", "src", "modules", "flows", "index.js"))) {
    throw new Error("the plugin is not built: run `npm run build` first")
  }
  linkPlugin()
  log("building the demo store (no admin)")
  await medusa(["build", "--no-lint"], { ...process.env, DEMO_ADMIN: "off" })
  return BUILT_STORE
}

/**
 * A database for the store (dropped and created again with `reset`), migrated, and with `seed` also the
 * admin user and the demo's products, on `server` (default: the tests' Postgres). Returns the environment every
 * process of the cluster starts with; `env` is merged over it (for instance FLOWS_SCHEDULER, SENDGRID_API_KEY).
 */
async function prepareStore({ database, redisUrl, server = postgresServer(), reset = true, seed = false, env = {}, log = () => {} }) {
  const base = {
    ...process.env,
    DATABASE_URL: await prepareDatabase(server, database, { reset, log }),
    DEMO_ADMIN: "off",
    MEDUSA_DISABLE_TELEMETRY: "true",
    LOG_LEVEL: process.env.LOG_LEVEL || "error",
    ...(redisUrl && { REDIS_URL: redisUrl }),
    ...env,
  }
  if (seed) {
    await setUpStore(base, log)
  } else {
    linkPlugin()
    log("running migrations")
    await medusa(["db:migrate"], base)
  }
  return base
}

/**
 * Starts `medusa start` from the built store, in its own process group, as a `server`, `worker` or
 * `shared` process on `port`. Its output goes to .data/store-cluster/<name>.log. Does not wait; see ready().
 */
function start({ mode, port, env, name = `${mode}-${port}` }) {
  fs.mkdirSync(LOG_DIR, { recursive: true })
  const logFile = path.join(LOG_DIR, `${name}.log`)
  const out = fs.openSync(logFile, "a")
  const child = spawn(medusaBin, ["start"], {
    cwd: BUILT_STORE,
    env: { ...env, PORT: String(port), MEDUSA_WORKER_MODE: mode },
    detached: true,
    stdio: ["ignore", out, out],
  })
  fs.closeSync(out)
  return { name, mode, port, env, url: `http://localhost:${port}`, child, pid: child.pid, logFile }
}

/** Waits until the process answers /health (see the top of this file); throws if it exits first. */
async function ready(proc, timeoutMs = 300_000) {
  try {
    await waitForHealth(proc.url, proc.child, timeoutMs)
  } catch (error) {
    throw new Error(`${proc.name}: ${error.message} (log: ${proc.logFile})`)
  }
  return proc
}

/**
 * Runs each of `starts` (a function that starts one process) and waits until every process is up. The first
 * starts alone: on a fresh database Medusa creates the default store as it starts, and processes doing that
 * at once both try ("Price preference with attribute: currency_code, value: eur, already exists").
 */
async function startInTurn(starts, timeoutMs) {
  const procs = [starts[0]()]
  try {
    await ready(procs[0], timeoutMs)
    procs.push(...starts.slice(1).map((begin) => begin()))
    await Promise.all(procs.slice(1).map((proc) => ready(proc, timeoutMs)))
  } catch (error) {
    await stopCluster(procs)
    throw error
  }
  return procs
}

/** Starts servers and workers on the given ports (see startInTurn) and waits until every one is up. */
async function startCluster({ env, servers = [], workers = [], timeoutMs }) {
  return await startInTurn(
    [
      ...servers.map((port) => () => start({ mode: "server", port, env })),
      ...workers.map((port) => () => start({ mode: "worker", port, env })),
    ],
    timeoutMs
  )
}

/** SIGTERM (Medusa's graceful shutdown), then SIGKILL for whatever is left after `graceMs`. */
async function stop(proc, { graceMs } = {}) {
  await stopMedusa(proc.child, { graceMs })
}

const stopCluster = (procs, options) => Promise.all(procs.map((proc) => stop(proc, options)))

/** `kill -9` of the process's whole group, as a crash or an OOM kill would; resolves once it has exited. */
async function kill(proc) {
  if (proc.child.exitCode == null && proc.child.signalCode == null) {
    const exited = new Promise((resolve) => proc.child.once("exit", resolve))
    try {
      process.kill(-proc.pid, "SIGKILL")
    } catch {
      // Gone already.
    }
    await exited
  }
}

/** Starts a stopped or killed process again, same mode, port and env, and waits until it is up. */
async function restart(proc, timeoutMs) {
  const fresh = start(proc)
  Object.assign(proc, { child: fresh.child, pid: fresh.pid })
  return ready(proc, timeoutMs)
}

/** The process's resident memory in bytes (VmRSS), or null once it has exited. */
function rssBytes(proc) {
  try {
    const status = fs.readFileSync(`/proc/${proc.pid}/status`, "utf8")
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) * 1024
  } catch {
    return null
  }
}

module.exports = {
  BUILT_STORE,
  LOG_DIR,
  buildStore,
  prepareStore,
  start,
  ready,
  startInTurn,
  startCluster,
  stop,
  stopCluster,
  kill,
  restart,
  rssBytes,
}

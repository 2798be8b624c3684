// The demo store in examples/demo-store, as `npm run demo` and the browser tests set it up: the plugin
// installed by name, a database of its own, migrations, an admin user and the seed.
const fs = require("node:fs")
const path = require("node:path")
const { Client } = require("pg")
const { ROOT } = require("./postgres")
const { runCommand } = require("./run-command")

const STORE_DIR = path.join(ROOT, "examples", "demo-store")
const ADMIN = { email: "admin@example.com", password: "supersecret" }
const medusaBin = path.join(ROOT, "node_modules", ".bin", "medusa")

/** Runs a medusa command in the store; only its errors are shown. */
async function medusa(args, env, { cwd = STORE_DIR, quiet = true } = {}) {
  const stdio = quiet ? ["ignore", "ignore", "inherit"] : ["ignore", "inherit", "inherit"]
  const status = await runCommand(medusaBin, args, { cwd, env, stdio })
  if (status !== 0) {
    throw new Error(`medusa ${args.join(" ")} failed (exit ${status})`)
  }
}

/** Creates the database if it is missing; with `reset`, drops it first. Returns its URL. */
async function prepareDatabase(server, database, { reset = false, log = () => {} } = {}) {
  const client = new Client({ ...server, database: "postgres" })
  await client.connect()
  try {
    if (reset) {
      log(`dropping database ${database}`)
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    }
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database])
    if (!rowCount) {
      log(`creating database ${database}`)
      await client.query(`CREATE DATABASE ${database}`)
    }
  } finally {
    await client.end()
  }
  const auth = `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}`
  return `postgres://${auth}@${server.host}:${server.port}/${database}`
}

/** Installs the plugin into the store by name, as `npm install medusa-plugin-flows` would. */
function linkPlugin() {
  const link = path.join(STORE_DIR, "node_modules", "medusa-plugin-flows")
  if (!fs.existsSync(link)) {
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(path.relative(path.dirname(link), ROOT), link, "dir")
  }
}

/** Migrations, the admin user (kept if it exists) and the seed (which runs once per database). */
async function setUpStore(env, log) {
  linkPlugin()
  log("running migrations")
  await medusa(["db:migrate"], env)
  log(`creating the admin user ${ADMIN.email} (kept if it exists)`)
  await runCommand(medusaBin, ["user", "-e", ADMIN.email, "-p", ADMIN.password], { cwd: STORE_DIR, stdio: "ignore", env })
  log("seeding the store")
  await medusa(["exec", "./src/scripts/seed.ts"], { ...env, LOG_LEVEL: "error" }, { quiet: false })
}

async function waitForHealth(baseUrl, child, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode != null) {
      throw new Error("Medusa exited while starting")
    }
    if (
      await fetch(`${baseUrl}/health`).then(
        (r) => r.ok,
        () => false
      )
    ) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`Medusa did not answer on ${baseUrl} within ${timeoutMs / 1000} s`)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether any process of the group is left. */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    return error.code === "EPERM"
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal)
  } catch {
    // The group is gone already.
  }
}

/**
 * Stops a Medusa started with `detached: true` and everything in its process group: SIGTERM, then SIGKILL
 * for whatever is left after `graceMs`. Medusa may have exited already and left its children running, and
 * a child that outlives it still gets the SIGKILL.
 */
async function stopMedusa(child, { graceMs = 10_000 } = {}) {
  if (!child?.pid) {
    return
  }
  const pgid = child.pid
  signalGroup(pgid, "SIGTERM")
  for (const deadline = Date.now() + graceMs; groupAlive(pgid) && Date.now() < deadline;) {
    await sleep(100)
  }
  signalGroup(pgid, "SIGKILL")
  // A killed process lingers until its parent reaps it; wait for that a moment, not for ever.
  for (const deadline = Date.now() + 2_000; groupAlive(pgid) && Date.now() < deadline;) {
    await sleep(50)
  }
}

module.exports = { ADMIN, STORE_DIR, medusaBin, medusa, linkPlugin, prepareDatabase, setUpStore, waitForHealth, stopMedusa }

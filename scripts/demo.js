// `npm run demo`: a seeded store with the plugin on embedded defaults and flow time compressed.
//   --simulate        then drive a scripted story through the store API (scripts/demo-story.js)
//   --smoke           with --simulate: check the outbox, stop everything and exit (CI)
//   --reset           start from an empty database
//   --time-scale=N    how much faster flow time runs (default 8640: a day lasts 10 seconds)
// Postgres: the server at DATABASE_URL if set (in its own database, medusa_flows_demo), otherwise an
// embedded one under .data/demo-postgres on a free port, so a server already on 5432 does not matter.
const { spawn } = require("node:child_process")
const fs = require("node:fs")
const net = require("node:net")
const path = require("node:path")
const { Client } = require("pg")
const { ensurePostgres, ROOT } = require("./postgres")
const { runCommand } = require("./run-command")
const { runStory } = require("./demo-story")

const STORE_DIR = path.join(ROOT, "examples", "demo-store")
const DATA_DIR = path.join(ROOT, ".data", "demo-postgres")
const DATABASE = "medusa_flows_demo"
const ADMIN = { email: "admin@example.com", password: "supersecret" }
const PORT = 9000
const BASE_URL = `http://localhost:${PORT}`
const medusaBin = path.join(ROOT, "node_modules", ".bin", "medusa")

const args = process.argv.slice(2)
const flags = {
  simulate: args.includes("--simulate"),
  smoke: args.includes("--smoke"),
  reset: args.includes("--reset"),
  timeScale: Number(args.find((a) => a.startsWith("--time-scale="))?.split("=")[1] ?? 8640),
}
const log = (message) => console.log(`[demo] ${message}`)

/** Everything started here, so Ctrl-C (or a failure) can stop it in order. */
const running = { medusa: null, postgres: null }

async function step(title, commandArgs, env, cwd = STORE_DIR) {
  log(title)
  // Setup output stays quiet unless it fails; progress is what this script prints.
  const status = await runCommand(medusaBin, commandArgs, { cwd, env, stdio: ["ignore", "ignore", "inherit"] })
  if (status !== 0) {
    throw new Error(`${title} failed (exit ${status})`)
  }
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once("error", () => resolve(false))
    server.listen(port, () => server.close(() => resolve(true)))
  })
}

async function prepareDatabase(server) {
  const client = new Client({ ...server, database: "postgres" })
  await client.connect()
  try {
    if (flags.reset) {
      log(`--reset: dropping database ${DATABASE}`)
      await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
    }
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE])
    if (!rowCount) {
      log(`creating database ${DATABASE}`)
      await client.query(`CREATE DATABASE ${DATABASE}`)
    }
  } finally {
    await client.end()
  }
}

/** Installs the plugin into the store by name, as `npm install medusa-plugin-flows` would. */
function linkPlugin() {
  const link = path.join(STORE_DIR, "node_modules", "medusa-plugin-flows")
  if (!fs.existsSync(link)) {
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(path.relative(path.dirname(link), ROOT), link, "dir")
  }
}

async function waitForHealth(timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (running.medusa?.exitCode != null) {
      throw new Error("Medusa exited while starting")
    }
    const ok = await fetch(`${BASE_URL}/health`).then((r) => r.ok, () => false)
    if (ok) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`Medusa did not answer on ${BASE_URL} within ${timeoutMs / 1000} s`)
}

function startMedusa(env) {
  // Its own process group, so stopping it also stops the processes `medusa develop` starts.
  const medusa = spawn(medusaBin, ["develop"], {
    cwd: STORE_DIR,
    env,
    detached: true,
    stdio: ["ignore", flags.smoke ? "ignore" : "inherit", "inherit"],
  })
  running.medusa = medusa
  return medusa
}

async function stopAll() {
  const medusa = running.medusa
  running.medusa = null
  if (medusa && medusa.exitCode == null) {
    log("stopping Medusa")
    const exited = new Promise((resolve) => medusa.once("exit", resolve))
    process.kill(-medusa.pid, "SIGTERM")
    const timer = setTimeout(() => process.kill(-medusa.pid, "SIGKILL"), 10_000)
    await exited
    clearTimeout(timer)
  }
  const postgres = running.postgres
  running.postgres = null
  if (postgres?.embedded) {
    log("stopping the embedded Postgres")
  }
  // Ctrl-C reaches an embedded server too; it may already be on its way down.
  await postgres?.stop().catch(() => {})
}

/** The smoke check: what each shopper's outbox must hold, by flow step, after the story. */
function checkOutbox(result) {
  const steps = (messages) => messages.map((m) => m.idempotency_key.split(":").pop()).sort()
  const problems = []
  const ava = steps(result.ava)
  for (const expected of ["reminder-email", "reminder-sms", "last-call-email"]) {
    if (!ava.includes(expected)) problems.push(`Ava got no ${expected}`)
  }
  const ben = steps(result.ben)
  for (const expected of ["reminder-email", "thank-you-email", "review-email"]) {
    if (!ben.includes(expected)) problems.push(`Ben got no ${expected}`)
  }
  if (ben.includes("last-call-email")) problems.push("Ben's reminders did not stop when he bought")
  if (!/^COMEBACK-[0-9A-F]{10}$/.test(result.code ?? "")) problems.push(`no discount code in Ava's last email (${result.code})`)
  if (result.keyword !== "stop") problems.push(`the STOP reply was read as ${result.keyword}`)
  const notDelivered = [...result.ava, ...result.ben].filter((m) => m.status !== "delivered")
  if (notDelivered.length) problems.push(`not delivered: ${notDelivered.map((m) => `${m.to} ${m.status} ${m.error}`).join("; ")}`)
  return problems
}

async function main() {
  if (!(flags.timeScale >= 1)) {
    throw new Error("--time-scale must be a number of at least 1")
  }
  if (!(await portIsFree(PORT))) {
    throw new Error(`port ${PORT} is in use: stop what runs there (another Medusa?) and try again`)
  }
  if (flags.reset && !process.env.DATABASE_URL && fs.existsSync(DATA_DIR)) {
    log(`--reset: removing ${path.relative(ROOT, DATA_DIR)}`)
    fs.rmSync(DATA_DIR, { recursive: true, force: true })
  }
  running.postgres = await ensurePostgres({ dataDir: DATA_DIR, log, embeddedUnlessUrl: true })
  const { server } = running.postgres
  await prepareDatabase(server)
  const databaseUrl = `postgres://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${DATABASE}`
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    FLOWS_TIME_SCALE: String(flags.timeScale),
    ...(flags.smoke && { DEMO_ADMIN: "off", LOG_LEVEL: "error" }),
  }

  await step("building the plugin", ["plugin:build"], env, ROOT)
  linkPlugin()
  await step("running migrations", ["db:migrate"], env)
  log(`creating the admin user ${ADMIN.email} (kept if it exists)`)
  await runCommand(medusaBin, ["user", "-e", ADMIN.email, "-p", ADMIN.password], { cwd: STORE_DIR, stdio: "ignore", env })
  log("seeding the store")
  const seedEnv = { ...env, LOG_LEVEL: "error" }
  if ((await runCommand(medusaBin, ["exec", "./src/scripts/seed.ts"], { cwd: STORE_DIR, env: seedEnv, stdio: ["ignore", "inherit", "inherit"] })) !== 0) {
    throw new Error("seeding failed")
  }
  const secondsPerDay = 86_400 / flags.timeScale
  log(`flow time runs ${flags.timeScale}x faster: an hour lasts ${(secondsPerDay / 24).toFixed(2)} s, a day ${secondsPerDay.toFixed(1)} s`)
  log(process.env.SENDGRID_API_KEY ? "email goes through SendGrid" : "email goes to the sandbox outbox (set SENDGRID_API_KEY to send)")
  log(process.env.TWILIO_ACCOUNT_SID ? "texts go through Twilio" : "texts go to the sandbox outbox (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM to send)")
  log("starting Medusa…")
  startMedusa(env)
  await waitForHealth()
  if (!flags.smoke) {
    log(`admin: ${BASE_URL}/app  (login ${ADMIN.email} / ${ADMIN.password}); Ctrl-C stops everything`)
  }
  if (flags.simulate) {
    const result = await runStory({ baseUrl: BASE_URL, admin: ADMIN, log, secondsPerDay })
    if (flags.smoke) {
      const problems = checkOutbox(result)
      await stopAll()
      if (problems.length) {
        throw new Error(`smoke check failed:\n  ${problems.join("\n  ")}`)
      }
      log("smoke check passed: the outbox holds every message of the story, and nothing it should not")
      return
    }
  }
  const code = await new Promise((resolve) => running.medusa.once("exit", resolve))
  await stopAll()
  process.exitCode = code ?? 0
}

let interrupted = false
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    if (interrupted) {
      return
    }
    interrupted = true
    await stopAll()
    process.exit(130)
  })
}

main().catch(async (error) => {
  console.error(`[demo] ${error.message}`)
  await stopAll()
  process.exit(1)
})

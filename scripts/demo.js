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
const { ensurePostgres, ROOT } = require("./postgres")
const { runStory } = require("./demo-story")
const { ADMIN, STORE_DIR, medusa, medusaBin, prepareDatabase, setUpStore, stopMedusa, waitForHealth } = require("./demo-store")

const DATA_DIR = path.join(ROOT, ".data", "demo-postgres")
const DATABASE = "medusa_flows_demo"
const PORT = 9000
const BASE_URL = `http://localhost:${PORT}`

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

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once("error", () => resolve(false))
    server.listen(port, () => server.close(() => resolve(true)))
  })
}

function startMedusa(env) {
  // Its own process group, so stopping it also stops the processes `medusa develop` starts.
  // --no-lint: Medusa lints before `develop` when it can resolve @medusajs/eslint-plugin (the plugin's
  // devDependency, found from here) and would gate the demo on it; `npm run lint` covers this code.
  const child = spawn(medusaBin, ["develop", "--no-lint"], {
    cwd: STORE_DIR,
    env,
    detached: true,
    stdio: ["ignore", flags.smoke ? "ignore" : "inherit", "inherit"],
  })
  running.medusa = child
  return child
}

async function stopAll() {
  const child = running.medusa
  running.medusa = null
  if (child) {
    // Even when Medusa itself has exited: what it started may still run in its process group.
    log("stopping Medusa")
    await stopMedusa(child)
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
  const problems = []
  const ava = result.ava.map((m) => m.step_id)
  for (const expected of ["sms-confirmation", "reminder-email", "reminder-sms", "last-call-email"]) {
    if (!ava.includes(expected)) problems.push(`Ava got no ${expected}`)
  }
  const ben = result.ben.map((m) => m.step_id)
  for (const expected of ["reminder-email", "thank-you-email", "review-email"]) {
    if (!ben.includes(expected)) problems.push(`Ben got no ${expected}`)
  }
  if (ben.includes("last-call-email")) problems.push("Ben's reminders did not stop when he bought")
  if (!/^COMEBACK-[0-9A-F]{10}$/.test(result.code ?? "")) problems.push(`no discount code in Ava's last email (${result.code})`)
  if (result.keyword !== "stop") problems.push(`the STOP reply was read as ${result.keyword}`)
  if (result.attribution?.step_id !== "reminder-email") {
    problems.push(`Ben's order was not credited to his reminder (${JSON.stringify(result.attribution)})`)
  }
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
  running.postgres = await ensurePostgres({ dataDir: DATA_DIR, log, embeddedUnlessUrl: true, callerStopsOnSignals: true })
  const databaseUrl = await prepareDatabase(running.postgres.server, DATABASE, { reset: flags.reset, log })
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    FLOWS_TIME_SCALE: String(flags.timeScale),
    ...(flags.smoke && { DEMO_ADMIN: "off", LOG_LEVEL: "error" }),
  }
  log("building the plugin")
  await medusa(["plugin:build"], env, { cwd: ROOT })
  await setUpStore(env, log)
  const secondsPerDay = 86_400 / flags.timeScale
  log(`flow time runs ${flags.timeScale}x faster: an hour lasts ${(secondsPerDay / 24).toFixed(2)} s, a day ${secondsPerDay.toFixed(1)} s`)
  log(process.env.SENDGRID_API_KEY ? "email goes through SendGrid" : "email goes to the sandbox outbox (set SENDGRID_API_KEY to send)")
  log(
    process.env.TWILIO_ACCOUNT_SID
      ? "texts go through Twilio"
      : "texts go to the sandbox outbox (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM to send)"
  )
  log("starting Medusa…")
  startMedusa(env)
  await waitForHealth(BASE_URL, running.medusa)
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
// SIGHUP too: a closed terminal must not leave the detached Medusa running.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
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

// `npm run demo`: a store with the plugin on embedded defaults. Finds or starts Postgres, builds the
// plugin, migrates a `medusa_flows_demo` database, creates an admin user and starts Medusa with its admin.
const { spawn } = require("node:child_process")
const fs = require("node:fs")
const path = require("node:path")
const { Client } = require("pg")
const { ensurePostgres, ROOT } = require("./postgres")
const { runCommand } = require("./run-command")

const STORE_DIR = path.join(ROOT, "examples", "demo-store")
const DATABASE = "medusa_flows_demo"
const ADMIN = { email: "admin@example.com", password: "supersecret" }
const log = (message) => console.log(`[demo] ${message}`)

const medusaBin = path.join(ROOT, "node_modules", ".bin", "medusa")

async function step(title, args, env, cwd = STORE_DIR) {
  log(title)
  if ((await runCommand(medusaBin, args, { cwd, env })) !== 0) {
    throw new Error(`${title} failed`)
  }
}

async function ensureDatabase(server) {
  const client = new Client({ ...server, database: "postgres" })
  await client.connect()
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE])
  if (!rowCount) {
    log(`creating database ${DATABASE}`)
    await client.query(`CREATE DATABASE ${DATABASE}`)
  }
  await client.end()
}

/** Installs the plugin into the store by name, as `npm install medusa-plugin-flows` would. */
function linkPlugin() {
  const link = path.join(STORE_DIR, "node_modules", "medusa-plugin-flows")
  if (!fs.existsSync(link)) {
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(path.relative(path.dirname(link), ROOT), link, "dir")
  }
}

async function main() {
  const pg = await ensurePostgres({ log })
  const { host, port, user, password } = pg.server
  await ensureDatabase(pg.server)
  const databaseUrl = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${DATABASE}`
  const env = { ...process.env, DATABASE_URL: databaseUrl }

  await step("building the plugin", ["plugin:build"], env, ROOT)
  linkPlugin()
  await step("running migrations", ["db:migrate"], env)
  log(`creating the admin user ${ADMIN.email}`)
  // Fails harmlessly when the user exists from an earlier run.
  await runCommand(medusaBin, ["user", "-e", ADMIN.email, "-p", ADMIN.password], { cwd: STORE_DIR, stdio: "ignore", env })
  log(`starting Medusa: admin at http://localhost:9000/app  (login ${ADMIN.email} / ${ADMIN.password})`)
  const medusa = spawn(medusaBin, ["develop"], { cwd: STORE_DIR, stdio: "inherit", env })
  const stop = async () => {
    medusa.kill("SIGTERM")
  }
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
  medusa.on("exit", async (code) => {
    await pg.stop()
    process.exit(code ?? 0)
  })
}

main().catch((error) => {
  console.error(`[demo] ${error.message}`)
  process.exit(1)
})

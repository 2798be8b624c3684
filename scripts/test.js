// `npm test`: builds the plugin (the HTTP tests load it from .medusa/server, as a store would),
// finds or starts a Postgres, then runs the unit, module, HTTP, fault-injection and browser suites and the demo's smoke test
// (`npm run demo -- --simulate --smoke`). Extra arguments go to jest and leave the smoke test out.
const fs = require("node:fs")
const path = require("node:path")
const { ensurePostgres, ROOT } = require("./postgres")
const { runCommand } = require("./run-command")

const bin = (name) => path.join(ROOT, "node_modules", ".bin", name)

async function redisAnswers(url) {
  const Redis = require("ioredis")
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on("error", () => {})
  try {
    await redis.connect()
    return (await redis.ping()) === "PONG"
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

async function main() {
  const pg = await ensurePostgres({ dataDir: path.join(ROOT, ".data", "test-postgres") })
  const env = {
    ...process.env,
    ...pg.env,
    // Medusa logs every migration at info level; the test output stays readable without it.
    LOG_LEVEL: process.env.LOG_LEVEL || "error",
    // All suites run in one process, each loading a whole Medusa: past about 60 suites V8's default heap limit
    // (about 4 GB) is reached, and long collections near it slow everything down before it fails.
    NODE_OPTIONS: [process.env.NODE_OPTIONS, "--experimental-vm-modules", "--max-old-space-size=8192"].filter(Boolean).join(" "),
  }
  const jestArgs = ["--runInBand", "--forceExit", ...process.argv.slice(2)]
  // `npm test -- <pattern>` runs just those tests; the demo smoke test runs with the full suite.
  const onlySomeTests = process.argv.length > 2
  const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379"
  if (!(await redisAnswers(redisUrl))) {
    // Postgres can be started from npm, Redis cannot: say plainly what is not tested.
    console.warn(
      `No Redis answers at ${redisUrl}: the cross-process rate-limit test and the fault-injection tests (worker processes) need one and are left out.`
    )
    jestArgs.push("--testPathIgnorePatterns", "redis-rate-limit", "integration-tests/faults")
  }
  const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium"
  if (!fs.existsSync(chromium)) {
    // The admin's browser tests need a Chromium; CI installs Debian's (apt-get install chromium).
    console.warn(`No Chromium at ${chromium}: the admin's browser tests are left out. Install it, or set CHROMIUM_PATH.`)
    jestArgs.push("--testPathIgnorePatterns", "integration-tests/browser")
  }
  let status = await runCommand(bin("medusa"), ["plugin:build"], { cwd: ROOT, env })
  if (status === 0) {
    status = await runCommand(bin("jest"), jestArgs, { cwd: ROOT, env })
  }
  await pg.stop()
  if (status === 0 && !onlySomeTests) {
    // The README's first command, as a newcomer runs it: its own embedded Postgres, seeding, the story.
    console.log("Demo smoke test: npm run demo -- --simulate --smoke --reset")
    const { DATABASE_URL, ...demoEnv } = process.env
    status = await runCommand(process.execPath, [path.join(ROOT, "scripts", "demo.js"), "--simulate", "--smoke", "--reset"], {
      cwd: ROOT,
      env: demoEnv,
    })
  }
  process.exit(status)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})

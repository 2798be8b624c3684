// `npm test`: builds the plugin (the HTTP tests load it from .medusa/server, as a store would),
// finds or starts a Postgres, then runs the unit, module and HTTP suites. Extra arguments go to jest.
const path = require("node:path")
const { ensurePostgres, ROOT } = require("./postgres")
const { runCommand } = require("./run-command")

const bin = (name) => path.join(ROOT, "node_modules", ".bin", name)

async function main() {
  const pg = await ensurePostgres({ dataDir: path.join(ROOT, ".data", "test-postgres") })
  const env = {
    ...process.env,
    ...pg.env,
    // Medusa logs every migration at info level; the test output stays readable without it.
    LOG_LEVEL: process.env.LOG_LEVEL || "error",
    NODE_OPTIONS: [process.env.NODE_OPTIONS, "--experimental-vm-modules"].filter(Boolean).join(" "),
  }
  let status = await runCommand(bin("medusa"), ["plugin:build"], { cwd: ROOT, env })
  if (status === 0) {
    status = await runCommand(bin("jest"), ["--runInBand", "--forceExit", ...process.argv.slice(2)], { cwd: ROOT, env })
  }
  await pg.stop()
  process.exit(status)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})

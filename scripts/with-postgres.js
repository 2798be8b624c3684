// Runs a command with DB_* pointing at a working Postgres (see postgres.js), e.g.
//   node scripts/with-postgres.js medusa plugin:db:generate
const { spawnSync } = require("node:child_process")
const { ensurePostgres, ROOT } = require("./postgres")

async function main() {
  const [command, ...args] = process.argv.slice(2)
  const pg = await ensurePostgres()
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: "inherit",
    shell: process.platform === "win32",
    env: { ...process.env, ...pg.env, PATH: `${ROOT}/node_modules/.bin:${process.env.PATH}` },
  })
  await pg.stop()
  process.exit(result.status ?? 1)
}

main().catch((error) => {
  console.error(error.message)
  process.exit(1)
})

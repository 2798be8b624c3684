// Runs a command with DB_* pointing at a working Postgres (see postgres.js), e.g.
//   node scripts/with-postgres.js medusa plugin:db:generate
const { ensurePostgres, ROOT } = require("./postgres")
const { runCommand } = require("./run-command")

async function main() {
  const [command, ...args] = process.argv.slice(2)
  const pg = await ensurePostgres()
  const status = await runCommand(command, args, {
    cwd: ROOT,
    shell: process.platform === "win32",
    env: { ...process.env, ...pg.env, PATH: `${ROOT}/node_modules/.bin:${process.env.PATH}` },
  })
  await pg.stop()
  process.exit(status)
}

main().catch((error) => {
  console.error(error.message)
  process.exit(1)
})

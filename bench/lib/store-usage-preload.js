// Preloaded into each store the store-API bench starts (`NODE_OPTIONS=--require`): answers the bench's
// "usage" message on the IPC channel with what the process has used so far: its CPU time, every thread and
// garbage collection included, the same way on every platform, the part of it the main thread stood still
// for garbage collection (the pauses of Node's `gc` performance entries), and the statements it has sent to Postgres,
// counted at `pg`'s `Client#query` (MikroORM's and knex's queries, transaction statements and raw SQL alike).
// Statements are counted, not timed, though a count over a while holds whatever else the store sent meanwhile.
// It does nothing where there is no channel, and answers `statements: null` where it finds no `pg` to count.
const path = require("node:path")

/** Sums the main thread's garbage-collection pauses (the concurrent marking on other threads is in the CPU time only). */
function countGcPauses() {
  let pausedMs = 0
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      pausedMs += entry.duration
    }
  }).observe({ entryTypes: ["gc"] })
  return () => pausedMs
}

/** Counts the calls of `Client#query` in the `pg` the store's knex loads (not necessarily the one this file would find). */
function countStatements() {
  let Client
  try {
    const knexDir = path.dirname(require.resolve("knex/package.json", { paths: [process.cwd()] }))
    Client = require(require.resolve("pg", { paths: [knexDir] })).Client
  } catch {
    return () => null
  }
  const query = Client.prototype.query
  let statements = 0
  Client.prototype.query = function countedQuery(...args) {
    statements += 1
    return query.apply(this, args)
  }
  return () => statements
}

if (process.send) {
  const statementsSent = countStatements()
  const gcPaused = countGcPauses()
  process.on("message", (message) => {
    if (message === "usage") {
      const { user, system } = process.cpuUsage()
      process.send({ type: "usage", cpu_ms: (user + system) / 1000, gc_ms: gcPaused(), statements: statementsSent() })
    }
  })
  // The channel must not keep the store alive, nor the listener hold it open.
  process.channel.unref()
}

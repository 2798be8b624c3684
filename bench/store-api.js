// What the plugin costs the store API: the demo store (examples/demo-store, admin off) on one freshly seeded
// database, copied twice, started without the plugin (FLOWS_PLUGIN=off, on --port) and with it (on --port + 1)
// side by side, each driven through the same checkouts by autocannon, one endpoint after another, the stores
// taking turns every --rounds-th of the carts: create cart, add a line item, set email and addresses, add the
// shipping method, create the payment collection and session, complete the cart.
// Reports p50 and p95 per endpoint with and without the plugin and their ratio with a 95% interval (a paired
// bootstrap over the turns, bench/lib/turn-bootstrap.js), the same for a whole checkout
// (the sum of the seven endpoints' p50s, and of their p95s), and per checkout the database
// transactions and row writes (pg_stat_database, counted until the plugin's scheduler has recorded the events
// the subscriber left in its inbox and worked the runs they made due, so the work moved off the request path
// is counted too), how long after each of the plugin's turns that work was done, and, per store, the whole checkout's p95 over the first
// and second halves of its turns (bench/lib/turn-halves.js: work between turns shows in the first halves).
// Also each store's CPU time, its GC pauses and the statements it sent to Postgres (bench/lib/store-usage-preload.js): per
// request of each endpoint while its turns ran (CPU time with the same kind of interval), and per checkout
// over the whole run (between turns and idle included).
//   node bench/store-api.js [--checkouts=600] [--connections=10] [--rounds=12] [--port=9000]
//                           [--database=medusa_flows_store_api] [--keep] [--json] [--smoke] [--control]
// --smoke: 8 checkouts over 2 connections in 2 rounds, only to show the command works (CI). --json: one JSON object.
// --control: a third store, also without the plugin (on --port + 2), takes its turns beside the other two; its
// ratios against the first show how far two identical stores differ in this bench on this machine, the
// smallest cost the bench can tell from noise.
const os = require("node:os")
const path = require("node:path")
const { spawn } = require("node:child_process")
const autocannon = require("autocannon")
const { Client } = require("pg")
const { ensurePostgres, ROOT } = require("../scripts/postgres")
const { STORE_DIR, medusa, medusaBin, prepareDatabase, setUpStore, stopMedusa, waitForHealth } = require("../scripts/demo-store")
const { percentile, ratioIntervals, totalRatioIntervals } = require("./lib/turn-bootstrap")
const { turnHalves } = require("./lib/turn-halves")

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? found.split("=")[1] : fallback
}
const SMOKE = process.argv.includes("--smoke")
const CHECKOUTS = Number(arg("checkouts", SMOKE ? 8 : 600))
const CONNECTIONS = Number(arg("connections", SMOKE ? 2 : 10))
/** Turns each store takes per endpoint, each over an equal share of the carts. */
const ROUNDS = Number(arg("rounds", SMOKE ? 2 : 12))
const PORT = Number(arg("port", 9000))
const DATABASE = arg("database", "medusa_flows_store_api")
const JSON_OUTPUT = process.argv.includes("--json")
const KEEP = process.argv.includes("--keep")
const CONTROL = process.argv.includes("--control")
const log = (...args) => (JSON_OUTPUT ? undefined : console.error(...args))
/** Checkouts done before measuring: the first requests of a fresh process compile and warm caches. */
const WARM_UP = SMOKE ? 1 : 10
/** After the load: the scheduler records the inbox (it polls every second), and Postgres flushes each backend's counters within 10 s of it going idle. */
const SETTLE_MS = 15_000
const IDLE_MS = SMOKE ? 5_000 : 15_000

const ADDRESS = {
  first_name: "Sam",
  last_name: "Shopper",
  address_1: "1 Main St",
  city: "Springfield",
  country_code: "us",
  postal_code: "12345",
  province: "IL",
  phone: "+12025550123",
}

/** The ids a storefront would know: the seed's publishable key, its region and a product variant. */
async function storefrontIds(databaseUrl) {
  const client = new Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const one = async (sql) => (await client.query(sql)).rows[0]
    const { token } = await one("SELECT token FROM api_key WHERE type = 'publishable' AND deleted_at IS NULL LIMIT 1")
    const { id: regionId } = await one("SELECT id FROM region WHERE name = 'Demo: North America'")
    const { id: variantId } = await one("SELECT id FROM product_variant WHERE deleted_at IS NULL ORDER BY id LIMIT 1")
    return { token, regionId, variantId }
  } finally {
    await client.end()
  }
}

/** Transactions and row writes in one database so far, read from another so the reading is not counted. */
async function databaseCounters(server, database) {
  const client = new Client({ ...server, database: "postgres" })
  await client.connect()
  try {
    const { rows } = await client.query(
      "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = $1",
      [database]
    )
    return Object.fromEntries(Object.entries(rows[0]).map(([key, value]) => [key, Number(value)]))
  } finally {
    await client.end()
  }
}

/**
 * One endpoint under autocannon, for the `amount` carts from `from` on: `request(i)` gives cart i's request,
 * `onBody(i, body)` keeps what the next endpoint needs, `atLastResponse()` runs as the last response arrives.
 * Returns the response times in the order the requests were sent; throws if any failed or got no answer.
 */
async function measure(name, { url, from, amount, request, onBody, headers, atLastResponse }) {
  const times = []
  let responses = 0
  let next = from
  /** The cart whose response autocannon reports next: its `onResponse` runs just before its response event, in one call. */
  let answered
  const failures = []
  const instance = autocannon({
    url,
    connections: Math.min(CONNECTIONS, amount),
    amount,
    timeout: 60,
    requests: [
      {
        setupRequest: (req, context) => {
          context.i = next++
          const { method = "POST", path, body } = request(context.i)
          return { ...req, method, path, headers: { ...headers, "content-type": "application/json" }, body: body && JSON.stringify(body) }
        },
        onResponse: (status, body, context) => {
          answered = context.i
          if (status >= 300) {
            failures.push(`${status} ${body.slice(0, 200)}`)
          } else if (onBody) {
            onBody(context.i, JSON.parse(body))
          }
        },
      },
    ],
  })
  instance.on("response", (_client, _status, _bytes, responseTime) => {
    times[answered - from] = responseTime
    responses += 1
    if (responses === amount) {
      atLastResponse?.()
    }
  })
  // Autocannon ends at its next one-second tick after the last response, not at it.
  await instance
  const unanswered = amount - times.filter((time) => time !== undefined).length
  if (unanswered) {
    failures.push(`${unanswered} got no answer within 60 s`)
  }
  if (failures.length) {
    throw new Error(`${name}: ${failures.length} of ${amount} requests failed, e.g. ${failures[0]}`)
  }
  return times
}

/** How long after the plugin's turns their deferred work was done (to the bench's one-second look). */
function lag(times) {
  const sorted = [...times].sort((a, b) => a - b)
  return { turns: sorted.length, p50_ms: percentile(sorted, 50), max_ms: sorted[sorted.length - 1] }
}

/**
 * A whole checkout at each endpoint's p50 (and p95): the sum over the endpoints, as a shopper who meets every
 * endpoint at its median waits. Less noisy than any one endpoint, whose ratio on this VM swings by about ±10%.
 * Its CPU time and statements sent are the store's over one request to each endpoint, in the store's turns:
 * per checkout.
 */
function wholeCheckout(without, withPlugin) {
  const sum = (endpoints, key) => endpoints.reduce((total, e) => total + e[key], 0)
  const side = (endpoints) => ({
    p50_ms: sum(endpoints, "p50_ms"),
    p95_ms: sum(endpoints, "p95_ms"),
    cpu_ms_in_turns: sum(endpoints, "cpu_ms_per_request"),
    gc_ms_in_turns: sum(endpoints, "gc_ms_per_request"),
    statements_in_turns: sum(endpoints, "statements_per_request"),
  })
  const [w, p] = [side(without), side(withPlugin)]
  return {
    without: w,
    with: p,
    ratio_p50: p.p50_ms / w.p50_ms,
    ratio_p95: p.p95_ms / w.p95_ms,
    ratio_cpu: p.cpu_ms_in_turns / w.cpu_ms_in_turns,
    extra_gc_ms: p.gc_ms_in_turns - w.gc_ms_in_turns,
    extra_statements: p.statements_in_turns - w.statements_in_turns,
  }
}

function timing(name, times) {
  const sorted = [...times].sort((a, b) => a - b)
  return { endpoint: name, requests: sorted.length, p50_ms: percentile(sorted, 50), p95_ms: percentile(sorted, 95) }
}

/**
 * Checkouts on one store as a list of steps, one an endpoint, each measuring its endpoint for `amount` carts
 * from `from` on; a cart's step needs the ones before it to have run, and its `prepare`, where it has one.
 */
function checkoutSteps(store, tag) {
  const headers = { "x-publishable-api-key": store.ids.token }
  const carts = []
  const collections = []
  let optionId
  const step = (name, options) =>
    Object.assign(
      async (from, amount, atLastResponse) =>
        await measure(name, { url: store.baseUrl, from, amount, headers, atLastResponse, ...options }),
      {
        endpoint: name,
      }
    )
  return [
    step("create cart", {
      request: () => ({ path: "/store/carts", body: { region_id: store.ids.regionId } }),
      onBody: (i, b) => (carts[i] = b.cart.id),
    }),
    step("add line item", {
      request: (i) => ({ path: `/store/carts/${carts[i]}/line-items`, body: { variant_id: store.ids.variantId, quantity: 1 } }),
    }),
    step("update cart (email, addresses)", {
      request: (i) => ({
        path: `/store/carts/${carts[i]}`,
        body: { email: `shopper-${tag}-${i}@example.com`, shipping_address: ADDRESS, billing_address: ADDRESS },
      }),
    }),
    // The option is looked up once, before the step is measured (its time and CPU are not the endpoint's).
    Object.assign(
      step("add shipping method", {
        request: (i) => ({ path: `/store/carts/${carts[i]}/shipping-methods`, body: { option_id: optionId } }),
      }),
      {
        prepare: async (from) => {
          if (!optionId) {
            const options = await (await fetch(`${store.baseUrl}/store/shipping-options?cart_id=${carts[from]}`, { headers })).json()
            optionId = options.shipping_options?.[0]?.id
            if (!optionId) {
              throw new Error(`no shipping option for the cart: ${JSON.stringify(options).slice(0, 200)}`)
            }
          }
        },
      }
    ),
    step("create payment collection", {
      request: (i) => ({ path: "/store/payment-collections", body: { cart_id: carts[i] } }),
      onBody: (i, b) => (collections[i] = b.payment_collection.id),
    }),
    step("create payment session", {
      request: (i) => ({
        path: `/store/payment-collections/${collections[i]}/payment-sessions`,
        body: { provider_id: "pp_system_default" },
      }),
    }),
    step("complete cart", { request: (i) => ({ path: `/store/carts/${carts[i]}/complete`, body: {} }) }),
  ]
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The CPU time the store's process has used so far, its main thread's garbage-collection pauses and the
 * statements it has sent to Postgres, asked of it through `lib/store-usage-preload.js`: `{ cpu_ms, gc_ms, statements }`.
 */
function usage(store, timeoutMs = 10_000) {
  const { child } = store
  return new Promise((resolve, reject) => {
    const settle = (error, used) => {
      clearTimeout(timer)
      child.off("message", onMessage).off("exit", onExit)
      if (error) {
        reject(error)
      } else {
        resolve(used)
      }
    }
    const onMessage = (message) => {
      if (message?.type !== "usage") {
        return
      }
      if (message.statements === null) {
        settle(new Error(`the store on ${store.baseUrl} found no pg module to count its statements in`))
      } else {
        settle(null, { cpu_ms: message.cpu_ms, gc_ms: message.gc_ms, statements: message.statements })
      }
    }
    const onExit = (code) => settle(new Error(`the store on ${store.baseUrl} exited (${code}) before telling its usage`))
    const timer = setTimeout(
      () => settle(new Error(`the store on ${store.baseUrl} did not tell its usage within ${timeoutMs} ms`)),
      timeoutMs
    )
    child.on("message", onMessage).on("exit", onExit)
    child.send("usage", (error) => error && settle(error))
  })
}

/**
 * Starts a store on its own copy of the seeded database and port, as a new user runs it: one process, no Redis.
 * `name` is "without" or "with" the plugin, or "control" (a second store without it).
 */
async function startStore(server, seedDatabase, name, port) {
  const withPlugin = name === "with"
  const database = `${DATABASE}_${name}`
  const admin = new Client({ ...server, database: "postgres" })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${database} TEMPLATE ${seedDatabase}`)
  await admin.end()
  const databaseUrl = `postgres://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}`
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    DEMO_ADMIN: "off",
    FLOWS_PLUGIN: withPlugin ? "on" : "off",
    LOG_LEVEL: "error",
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${JSON.stringify(path.join(__dirname, "lib", "store-usage-preload.js"))}`]
      .filter(Boolean)
      .join(" "),
  }
  // Two stores on one Redis would share an event bus.
  delete env.REDIS_URL
  delete env.MEDUSA_WORKER_MODE
  log(`starting the store ${name === "control" ? "without the plugin (control)" : `${name} the plugin`} on port ${port}…`)
  const child = spawn(medusaBin, ["start", "--port", String(port)], {
    cwd: STORE_DIR,
    env,
    detached: true,
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  })
  const store = { withPlugin, database, databaseUrl, child, baseUrl: `http://localhost:${port}` }
  try {
    await waitForHealth(store.baseUrl, child)
    store.ids = await storefrontIds(databaseUrl)
  } catch (error) {
    await stopMedusa(child)
    throw error
  }
  return store
}

/**
 * Waits until the plugin's scheduler has done what a turn left it: recorded every store event the subscriber
 * left in its inbox, and worked every run that made due (a post-purchase email to send, an abandoned-cart run
 * to park at its wait). Nothing waiting at two looks a second apart, since the subscriber writes a moment
 * after its request has been answered. Each look is a transaction in the store's database: `store.looks`
 * counts them, to take them off. Returns how long after the turn nothing was first seen waiting.
 */
async function deferredWorkDone(store, timeoutMs = 60_000) {
  const start = Date.now()
  let doneSince = null
  for (const deadline = start + timeoutMs; Date.now() < deadline; await sleep(1000)) {
    store.looks += 1
    const lookedAt = Date.now()
    const { inbox, due } = await countWaiting(store.databaseUrl)
    const done = inbox + due === 0
    if (done && doneSince !== null) {
      return doneSince - start
    }
    doneSince = done ? lookedAt : null
  }
  throw new Error(`the scheduler of ${store.database} did not record its inbox and work its due runs within ${timeoutMs / 1000} s`)
}

/**
 * The stores run side by side, each idle while another is measured. Endpoint by endpoint, the carts are
 * split into ROUNDS equal shares, and for each share one store after the other is measured, which store goes
 * first rotating; an endpoint's p50 and p95 are taken over all its shares. So a change in the machine's speed,
 * which on this VM comes within the minute, falls on every store alike (taking turns a whole endpoint at a
 * time, the ratios of endpoints the plugin does not touch still swung from 0.69× to 1.92×). After each share
 * on the plugin's store, the bench waits until its scheduler has recorded that share's events and worked the
 * runs they made due, so that this work, deferred off the requests, lands on no store's turn: it is counted in
 * the whole run's figures, not in an endpoint's. Idle is not silent: the plugin's scheduler
 * still polls (about one transaction a second) while another store is measured.
 */
async function measureStores(server, stores) {
  for (const store of stores) {
    for (const step of checkoutSteps(store, "warm")) {
      await step.prepare?.(0)
      await step(0, WARM_UP)
    }
  }
  await sleep(SETTLE_MS)
  // The stores' own background work (jobs, pool checks; with the plugin, its scheduler's polls), per second
  // while no one shops: taken off the checkouts' figures as `net`, so they count what the checkouts cause.
  const counters = async (store) => ({ ...(await databaseCounters(server, store.database)), ...(await usage(store)) })
  const idleStart = await Promise.all(stores.map(counters))
  await sleep(IDLE_MS)
  const before = await Promise.all(stores.map(counters))
  log(`  ${CHECKOUTS} checkouts over ${CONNECTIONS} connections, the stores taking turns ${ROUNDS} times an endpoint`)
  const startedAt = Date.now()
  stores.forEach((store) => Object.assign(store, { looks: 0, deferredDoneAfterTurnMs: [] }))
  const steps = stores.map((store) => checkoutSteps(store, "run"))
  const endpoints = stores.map(() => [])
  const turnsByEndpoint = stores.map(() => [])
  // What each store used in each of its turns (`usage`): its CPU time, what its requests cost it without their
  // wait for it; the part of that its main thread stood still collecting garbage, whose garbage the turn cannot
  // say; and the statements it sent to Postgres, counted, not timed. Each holds whatever else the store did
  // meanwhile (its idle work; with the plugin, the events it records at its polls), while what the plugin
  // defers past a turn is in the whole run's figures (`cpu`, `database`).
  const usageByEndpoint = stores.map(() => [])
  const share = Math.ceil(CHECKOUTS / ROUNDS)
  let turn = 0
  for (let k = 0; k < steps[0].length; k++) {
    const turns = stores.map(() => [])
    const usageTurns = stores.map(() => [])
    for (let from = 0; from < CHECKOUTS; from += share) {
      const order = stores.map((_, j) => (j + turn) % stores.length)
      turn += 1
      for (const i of order) {
        await steps[i][k].prepare?.(from)
        const before = await usage(stores[i])
        // Read as the turn's last response arrives: autocannon ends up to a second later, time in which the
        // plugin's scheduler, no longer giving way, may already record the turn's store events.
        let reading
        turns[i].push(await steps[i][k](from, Math.min(share, CHECKOUTS - from), () => (reading = usage(stores[i]))))
        // Set by then: a turn whose requests did not all get an answer has failed the bench.
        const after = await reading
        usageTurns[i].push(Object.fromEntries(Object.keys(after).map((key) => [key, after[key] - before[key]])))
        if (stores[i].withPlugin) {
          stores[i].deferredDoneAfterTurnMs.push(await deferredWorkDone(stores[i]))
        }
      }
    }
    stores.forEach((_, i) => {
      const perRequest = (key) => usageTurns[i].reduce((sum, used) => sum + used[key], 0) / CHECKOUTS
      endpoints[i].push({
        ...timing(steps[i][k].endpoint, turns[i].flat()),
        cpu_ms_per_request: perRequest("cpu_ms"),
        gc_ms_per_request: perRequest("gc_ms"),
        statements_per_request: perRequest("statements"),
      })
      turnsByEndpoint[i].push(turns[i])
      usageByEndpoint[i].push(usageTurns[i])
    })
  }
  await sleep(SETTLE_MS)
  const elapsedMs = Date.now() - startedAt
  return await Promise.all(
    stores.map(async (store, i) => {
      const counted = await counters(store)
      const after = { ...counted, xact_commit: counted.xact_commit - store.looks }
      const idleRate = (key) => (before[i][key] - idleStart[i][key]) / IDLE_MS
      const per = (keys) => keys.reduce((sum, key) => sum + (after[key] - before[i][key]), 0) / CHECKOUTS
      const net = (keys) => keys.reduce((sum, key) => sum + (after[key] - before[i][key] - idleRate(key) * elapsedMs), 0) / CHECKOUTS
      const WRITES = ["tup_inserted", "tup_updated", "tup_deleted"]
      const turnsOf = (key) => usageByEndpoint[i].map((turns) => turns.map((used) => used[key]))
      return {
        endpoints: endpoints[i],
        turns: turnsByEndpoint[i],
        cpu_turns: turnsOf("cpu_ms"),
        gc_turns: turnsOf("gc_ms"),
        statement_turns: turnsOf("statements"),
        // Besides its turns: between them (with the plugin, recording their store events) and while idle. Not
        // net of the idle rate, as the database counts are: a store's idle CPU over the 15 s it is measured
        // swung too far (4 to 207 ms a second between identical stores) to stretch over the whole run.
        cpu: {
          ms_per_checkout: per(["cpu_ms"]),
          gc_ms_per_checkout: per(["gc_ms"]),
          idle_ms_per_second: idleRate("cpu_ms") * 1000,
        },
        database: {
          transactions_per_checkout: per(["xact_commit"]),
          // Sent by the store's process; the bench's own looks at the scheduler's work are not among them.
          statements_per_checkout: per(["statements"]),
          net_statements_per_checkout: net(["statements"]),
          idle_statements_per_second: idleRate("statements") * 1000,
          row_writes_per_checkout: per(WRITES),
          net_transactions_per_checkout: net(["xact_commit"]),
          net_row_writes_per_checkout: net(WRITES),
          idle_transactions_per_second: idleRate("xact_commit") * 1000,
        },
        turn_halves: turnHalves(turnsByEndpoint[i]),
        inbox_left: store.withPlugin ? (await countWaiting(store.databaseUrl)).inbox : 0,
        deferred_done_after_turn: store.withPlugin ? lag(store.deferredDoneAfterTurnMs) : null,
      }
    })
  )
}

/** What the plugin's scheduler has still to do: store events waiting in its inbox, and runs due now. */
async function countWaiting(databaseUrl) {
  const client = new Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM flows_store_event_inbox) AS inbox,
              (SELECT count(*) FROM flows_run WHERE status = 'active' AND deleted_at IS NULL AND next_run_at <= now()) AS due`
    )
    return { inbox: Number(rows[0].inbox), due: Number(rows[0].due) }
  } finally {
    await client.end()
  }
}

const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits

function report(result) {
  console.log(
    `Store API, ${result.checkouts} checkouts over ${result.connections} connections, ${result.rounds} turns an endpoint (load ${result.machine.loadavg_before.join(" ")} before, ${result.machine.loadavg_after.join(" ")} after)`
  )
  reportTimes(result, "with")
  const { without, with: withPlugin } = result.database
  const row = (figures, label, key, ratio) => [
    label,
    ...[figures.without[key], figures.with[key], figures[ratio]].map((v) => String(round(v))),
  ]
  printTable(
    ["per checkout", "without", "with", "ratio"],
    [
      row(result.database, "transactions", "transactions_per_checkout", "ratio_transactions"),
      row(result.database, "statements sent", "statements_per_checkout", "ratio_statements"),
      row(result.database, "statements sent, net of idle", "net_statements_per_checkout", "ratio_net_statements"),
      row(result.database, "row writes", "row_writes_per_checkout", "ratio_row_writes"),
      row(result.database, "transactions, net of idle", "net_transactions_per_checkout", "ratio_net_transactions"),
      row(result.database, "row writes, net of idle", "net_row_writes_per_checkout", "ratio_net_row_writes"),
      row(result.cpu, "store CPU ms, whole run", "ms_per_checkout", "ratio_cpu"),
      row(result.cpu, "GC pauses ms, whole run", "gc_ms_per_checkout", "ratio_gc"),
    ]
  )
  console.log(
    `idle transactions per second: ${round(without.idle_transactions_per_second)} without, ${round(withPlugin.idle_transactions_per_second)} with; idle statements per second: ${round(without.idle_statements_per_second)} without, ${round(withPlugin.idle_statements_per_second)} with; idle store CPU per second: ${round(result.cpu.without.idle_ms_per_second)} ms without, ${round(result.cpu.with.idle_ms_per_second)} ms with; inbox left: ${result.inbox_left}`
  )
  const done = result.deferred_done_after_turn
  console.log(
    `the plugin's deferred work was done within ${done.p50_ms} ms of a turn's end at p50, ${done.max_ms} ms at most (${done.turns} turns)`
  )
  console.log("whole checkout p95 over the first and second halves of each turn (requests in the order sent):")
  for (const [store, halves] of Object.entries(result.turn_halves)) {
    if (!halves) {
      console.log(`  ${store.padEnd(8)} turns too short to halve`)
      continue
    }
    console.log(
      `  ${store.padEnd(8)} ${round(halves.early_p95_ms)} ms first, ${round(halves.late_p95_ms)} ms second (${round(halves.ratio_early_to_late)}×); ${Math.round(halves.slow_in_first_half * 100)}% of the requests at or over p95 sent in a first half`
    )
  }
  if (result.control) {
    console.log("\nthe control: a second store without the plugin, in the place of the one with it")
    reportTimes(result.control, "control")
  }
}

/**
 * A text table: the first column names the row, left-aligned; every other column is as wide as its heading
 * or its widest cell, right-aligned, so the numbers sit under their headings.
 */
function printTable(headings, rows) {
  const widths = headings.map((heading, i) => Math.max(heading.length, ...rows.map((row) => row[i].length)))
  const line = ([name, ...cells]) => `${name.padEnd(32)}  ${cells.map((cell, i) => cell.padStart(widths[i + 1])).join("  ")}`
  for (const row of [headings, ...rows]) {
    console.log(line(row))
  }
}

function reportTimes({ endpoints, checkout }, label) {
  const headings = [
    "endpoint",
    "p50 without",
    `p50 ${label}`,
    "ratio",
    "(95% interval)",
    "p95 without",
    `p95 ${label}`,
    "ratio",
    "(95% interval)",
  ]
  const within = ([low, high]) => `(${low.toFixed(2)}–${high.toFixed(2)})`
  const rows = [...endpoints, { endpoint: "whole checkout (sum)", ...checkout }].map((e) => [
    e.endpoint,
    ...[e.without.p50_ms, e.with.p50_ms, e.ratio_p50].map((v) => String(round(v))),
    within(e.interval_p50),
    ...[e.without.p95_ms, e.with.p95_ms, e.ratio_p95].map((v) => String(round(v))),
    within(e.interval_p95),
  ])
  printTable(headings, rows)
  printTable(
    ["CPU ms in the turns", "without", label, "ratio", "(95% interval)"],
    [
      ...endpoints.map((e) => ({ ...e, cpu: (side) => e[side].cpu_ms_per_request })),
      { endpoint: "whole checkout (sum)", ...checkout, cpu: (side) => checkout[side].cpu_ms_in_turns },
    ].map((e) => [e.endpoint, ...[e.cpu("without"), e.cpu("with"), e.ratio_cpu].map((v) => String(round(v))), within(e.interval_cpu)])
  )
  console.log("(95% interval: a paired bootstrap over the turns, as far as the machine's swings from turn to turn allow)")
  // What a request used of `kind` on each side, and the difference (`extra`), per endpoint and per checkout.
  const usageTable = (heading, kind, extra) =>
    printTable(
      [heading, "without", label, "extra"],
      [
        ...endpoints.map((e) => [e.endpoint, e.without[`${kind}_per_request`], e.with[`${kind}_per_request`], e[extra]]),
        ["whole checkout (sum)", checkout.without[`${kind}_in_turns`], checkout.with[`${kind}_in_turns`], checkout[extra]],
      ].map(([name, ...figures]) => [name, ...figures.map((v) => String(round(v)))])
    )
  usageTable("GC pauses, ms a request", "gc_ms", "extra_gc_ms")
  usageTable("statements per request", "statements", "extra_statements")
}

/**
 * One store's figures against the store without the plugin: per endpoint and for the whole checkout, p50
 * and p95 with their ratios and intervals, and the database work per checkout. The other store's figures
 * are under `with`, whether it is the store with the plugin or the control.
 */
function comparison(without, other) {
  const intervals = ratioIntervals(without.turns.map((turns, k) => ({ without: turns, with: other.turns[k] })))
  const cpuIntervals = totalRatioIntervals(without.cpu_turns.map((turns, k) => ({ without: turns, with: other.cpu_turns[k] })))
  return {
    endpoints: without.endpoints.map((e, i) => {
      const w = other.endpoints[i]
      const { p50, p95 } = intervals.endpoints[i]
      return {
        endpoint: e.endpoint,
        without: e,
        with: w,
        ratio_p50: w.p50_ms / e.p50_ms,
        ratio_p95: w.p95_ms / e.p95_ms,
        interval_p50: p50,
        interval_p95: p95,
        ratio_cpu: w.cpu_ms_per_request / e.cpu_ms_per_request,
        interval_cpu: cpuIntervals.endpoints[i],
        extra_gc_ms: w.gc_ms_per_request - e.gc_ms_per_request,
        extra_statements: w.statements_per_request - e.statements_per_request,
      }
    }),
    checkout: {
      ...wholeCheckout(without.endpoints, other.endpoints),
      interval_p50: intervals.checkout.p50,
      interval_p95: intervals.checkout.p95,
      interval_cpu: cpuIntervals.checkout,
    },
    cpu: {
      without: without.cpu,
      with: other.cpu,
      ratio_cpu: other.cpu.ms_per_checkout / without.cpu.ms_per_checkout,
      ratio_gc: other.cpu.gc_ms_per_checkout / without.cpu.gc_ms_per_checkout,
    },
    database: {
      without: without.database,
      with: other.database,
      ratio_transactions: other.database.transactions_per_checkout / without.database.transactions_per_checkout,
      ratio_statements: other.database.statements_per_checkout / without.database.statements_per_checkout,
      ratio_net_statements: other.database.net_statements_per_checkout / without.database.net_statements_per_checkout,
      ratio_row_writes: other.database.row_writes_per_checkout / without.database.row_writes_per_checkout,
      ratio_net_transactions: other.database.net_transactions_per_checkout / without.database.net_transactions_per_checkout,
      ratio_net_row_writes: other.database.net_row_writes_per_checkout / without.database.net_row_writes_per_checkout,
    },
  }
}

async function main() {
  const pg = await ensurePostgres({ log })
  try {
    const seedDatabase = `${DATABASE}_seed`
    const seedUrl = await prepareDatabase(pg.server, seedDatabase, { reset: true, log })
    log("building the plugin")
    await medusa(["plugin:build"], { ...process.env, ...pg.env }, { cwd: ROOT })
    await setUpStore({ ...process.env, DATABASE_URL: seedUrl, DEMO_ADMIN: "off", LOG_LEVEL: "error" }, log)
    const loadavg_before = os.loadavg().map((l) => round(l))
    const stores = []
    let without, withPlugin, control
    try {
      for (const [i, name] of ["without", "with", ...(CONTROL ? ["control"] : [])].entries()) {
        stores.push(await startStore(pg.server, seedDatabase, name, PORT + i))
      }
      ;[without, withPlugin, control] = await measureStores(pg.server, stores)
    } finally {
      await Promise.allSettled(stores.map((store) => stopMedusa(store.child)))
    }
    const result = {
      checkouts: CHECKOUTS,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      machine: {
        cpus: os.cpus().length,
        cpu_model: os.cpus()[0]?.model,
        node: process.version,
        postgres: await postgresVersion(pg.server),
        loadavg_before,
        loadavg_after: os.loadavg().map((l) => round(l)),
      },
      ...comparison(without, withPlugin),
      inbox_left: withPlugin.inbox_left,
      deferred_done_after_turn: withPlugin.deferred_done_after_turn,
      turn_halves: { without: without.turn_halves, with: withPlugin.turn_halves, ...(control && { control: control.turn_halves }) },
      // Each store's CPU time in each of its turns, by endpoint: where a store was busy with something else.
      cpu_turns: { without: without.cpu_turns, with: withPlugin.cpu_turns, ...(control && { control: control.cpu_turns }) },
      gc_turns: { without: without.gc_turns, with: withPlugin.gc_turns, ...(control && { control: control.gc_turns }) },
      statement_turns: {
        without: without.statement_turns,
        with: withPlugin.statement_turns,
        ...(control && { control: control.statement_turns }),
      },
      ...(control && { control: comparison(without, control) }),
    }
    if (!KEEP) {
      const admin = new Client({ ...pg.server, database: "postgres" })
      await admin.connect()
      for (const name of [seedDatabase, ...stores.map((store) => store.database)]) {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      }
      await admin.end()
    }
    if (JSON_OUTPUT) {
      console.log(JSON.stringify(result))
    } else {
      report(result)
    }
  } finally {
    await pg.stop()
  }
}

async function postgresVersion(server) {
  const client = new Client({ ...server, database: "postgres" })
  await client.connect()
  try {
    return (await client.query("SHOW server_version")).rows[0].server_version
  } finally {
    await client.end()
  }
}

main().catch((error) => {
  console.error(error.stack || error.message)
  process.exit(1)
})

import { execFile } from "node:child_process"
import path from "node:path"
import { promisify } from "node:util"

// The analytics benchmark, as CI runs it: a tiny store, so it only proves the command works end to end
// (migrate, seed, build the rollup, read both ways) and prints what BENCHMARKS.md records. Speed is not
// asserted here; it is measured with the full size (`node bench/analytics.js`).
jest.setTimeout(900_000)

const ROOT = path.join(__dirname, "../..")
const { ratioIntervals, totalRatioIntervals } = require("../../bench/lib/turn-bootstrap")
const { turnHalves } = require("../../bench/lib/turn-halves")

describe("the store-API benchmark's intervals (a paired bootstrap over turns)", () => {
  const turnOf = (ms: number) => Array.from({ length: 50 }, (_, i) => ms + i / 10)
  const steady = [turnOf(100), turnOf(120), turnOf(90), turnOf(110)]

  it("is exactly the ratio when every turn of the plugin's side is the same factor slower", () => {
    const slower = steady.map((turn) => turn.map((ms) => ms * 1.2))
    const { endpoints, checkout } = ratioIntervals([{ without: steady, with: slower }], { resamples: 200 })
    for (const range of [endpoints[0].p50, endpoints[0].p95, checkout.p50, checkout.p95]) {
      expect(range[0]).toBeCloseTo(1.2)
      expect(range[1]).toBeCloseTo(1.2)
    }
  })

  it("spans from no cost to the whole ratio when one slow turn alone makes the plugin's p95", () => {
    const even = [turnOf(100), turnOf(100), turnOf(100), turnOf(100)]
    const oneSlowTurn = [turnOf(300), ...even.slice(1)]
    const { endpoints } = ratioIntervals([{ without: even, with: oneSlowTurn }], { resamples: 2000 })
    // A draw without that turn (about a third of them) shows no cost; a draw with it has its p95 in that turn.
    expect(endpoints[0].p95[0]).toBeCloseTo(1)
    expect(endpoints[0].p95[1]).toBeCloseTo(2.9, 1)
  })
})

describe("the store-API benchmark's CPU intervals (a paired bootstrap of totals over turns)", () => {
  it("is exactly the ratio when the plugin's side used the same factor more in every turn", () => {
    // Turns that differ from each other: only draws that keep each turn with its pair give exactly the factor.
    const cpu = [800, 1200, 950, 1010]
    const { endpoints, checkout } = totalRatioIntervals(
      [
        { without: cpu, with: cpu.map((ms) => ms * 1.1) },
        { without: cpu, with: cpu.map((ms) => ms * 1.3) },
      ],
      { resamples: 200 }
    )
    expect(endpoints[0][0]).toBeCloseTo(1.1)
    expect(endpoints[0][1]).toBeCloseTo(1.1)
    expect(endpoints[1][0]).toBeCloseTo(1.3)
    expect(endpoints[1][1]).toBeCloseTo(1.3)
    // The whole checkout weighs each endpoint by the CPU time of the turns drawn for it: between the two.
    expect(checkout[0]).toBeGreaterThan(1.1)
    expect(checkout[1]).toBeLessThan(1.3)
    expect(checkout[0]).toBeLessThan(checkout[1])
  })

  it("spans from no cost to the whole extra when one turn alone used more", () => {
    const { endpoints } = totalRatioIntervals([{ without: [100, 100, 100, 100], with: [500, 100, 100, 100] }], {
      resamples: 2000,
    })
    // A draw without that turn (about a third of them) shows no cost; one with it three times shows 4×.
    expect(endpoints[0][0]).toBeCloseTo(1)
    expect(endpoints[0][1]).toBeGreaterThanOrEqual(3)
  })
})

describe("the store-API benchmark's turn halves", () => {
  // Both halves of a turn alike: the same 20 times, in the same order.
  const turnOf = (ms: number) => Array.from({ length: 40 }, (_, i) => ms + (i % 20))

  it("finds a store's slow requests in the first halves of its turns when each turn starts slow", () => {
    const slowStart = (turn: number[]) => turn.map((ms, i) => (i < 4 ? ms * 3 : ms))
    const halves = turnHalves([[slowStart(turnOf(100)), slowStart(turnOf(110))], [slowStart(turnOf(50))]])
    expect(halves.slow_in_first_half).toBe(1)
    expect(halves.early_p95_ms).toBeGreaterThan(2 * halves.late_p95_ms)
    expect(halves.ratio_early_to_late).toBe(halves.early_p95_ms / halves.late_p95_ms)
  })

  it("finds them in both halves alike when position does not matter", () => {
    const halves = turnHalves([[turnOf(100), turnOf(110)], [turnOf(50)]])
    expect(halves.early_p95_ms).toBe(halves.late_p95_ms)
    expect(halves.ratio_early_to_late).toBe(1)
    expect(halves.slow_in_first_half).toBe(0.5)
  })

  it("has nothing to say when a turn is too short to halve", () => {
    expect(turnHalves([[turnOf(100), [120]]])).toBeNull()
  })
})

it("runs the analytics benchmark on a tiny store and reports every read before and after the rollup", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, "bench/analytics.js"), "--messages=3000", "--json", "--database=medusa_flows_bench_smoke"],
    { cwd: ROOT, env: process.env, maxBuffer: 10 * 1024 * 1024 }
  )
  const result = JSON.parse(stdout.trim().split("\n").pop()!)
  expect(result).toMatchObject({ messages: 3000, flows: 20, machine: { cpus: expect.any(Number), postgres: expect.any(String) } })
  // The seed spreads the messages over a year and a day or so: every one of those days was built.
  expect(result.rollup_build.days).toBeGreaterThanOrEqual(365)
  expect(result.reads.map((r: { read: string }) => r.read)).toEqual([
    "flows list (flowStats, 30 days)",
    "analytics, all flows, 30 days",
    "analytics, one flow, 30 days",
    "analytics, all flows, 365 days",
    "analytics, one flow, 365 days",
  ])
  for (const read of result.reads.slice(1)) {
    expect(read).toEqual({
      read: read.read,
      before_ms: expect.any(Number),
      now_ms: expect.any(Number),
      ratio: read.before_ms / read.now_ms,
    })
  }
})

// The store-size benchmark, as CI runs it: two tiny stores (300 and 3,000 carts and runs), so it proves the
// command migrates, seeds and times every read in both, and that each read does what it claims to.
it("runs the store-size benchmark on two tiny stores and reports every read at both sizes", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, "bench/store-size.js"), "--smoke", "--json", "--database=medusa_flows_bench_size_smoke"],
    { cwd: ROOT, env: process.env, maxBuffer: 10 * 1024 * 1024 }
  )
  const result = JSON.parse(stdout.trim().split("\n").pop()!)
  expect(result).toMatchObject({ sizes: [300, 3000], machine: { cpus: expect.any(Number), postgres: expect.any(String) } })
  expect(result.runs.map((run: { size: number }) => run.size)).toEqual([300, 3000])
  const [small, large] = result.runs
  for (const run of result.runs) {
    expect(Object.keys(run.reads)).toEqual([
      "claim",
      "tick",
      "detection, cart with a run",
      "detection, new cart",
      "documented job, one page",
      "documented job, all old carts",
    ])
    for (const read of Object.values(run.reads) as { ms: number }[]) {
      expect(read.ms).toEqual(expect.any(Number))
    }
    // A cart event for a cart the person's run follows restarts its wait; a new person's cart starts a run.
    expect(run.reads["detection, cart with a run"].restarted).toBe(1)
    expect(run.reads["detection, new cart"].entered).toBe(1)
  }
  // The claim reads the partial index of active runs (by a bitmap when the table is this small).
  expect(large.plans.claim).toEqual([expect.stringMatching(/Index Scan IDX_flows_run_next_run_at$/)])
  // Due: one cart in 100's run (3 of 300, 30 of 3,000) and the newest contact's welcome run, all claimed in
  // one batch of 50 by each sample (the samples roll back).
  expect([small.reads.claim.runs, large.reads.claim.runs]).toEqual([4, 31])
  expect([small.reads.tick.runs, large.reads.tick.runs]).toEqual([4, 31])
  for (const name of ["claim", "tick", "detection, cart with a run", "detection, new cart"]) {
    expect([name, large.reads[name].pages]).toEqual([name, expect.any(Number)])
  }
  // The documented job reads every cart with an email, not completed and last updated over a day ago.
  expect(large.reads["documented job, all old carts"].carts).toBeGreaterThan(small.reads["documented job, all old carts"].carts)
})

// The dispatch and memory benchmarks start the demo store as `medusa start` worker processes over Postgres
// and Redis (scripts/store-cluster.js); they need the plugin built, which `npm test` does first.
const runBench = async (file: string, args: string[]) => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bench", file), "--smoke", "--json", ...args], {
    cwd: ROOT,
    env: process.env,
    maxBuffer: 10 * 1024 * 1024,
  })
  return JSON.parse(stdout.trim().split("\n").pop()!)
}

it("runs the dispatch benchmark on a few runs: every message reaches the provider once, with each worker count and its baseline", async () => {
  const result = await runBench("dispatch.js", [])
  expect(result).toMatchObject({ runs: 20, machine: { cpus: expect.any(Number), postgres: expect.any(String) } })
  expect(result.raw_insert.map((r: { connections: number }) => r.connections)).toEqual([1, 2])
  expect(result.dispatch.map((d: { provider: string; workers: number }) => `${d.provider}×${d.workers}`)).toEqual([
    "sandbox×1",
    "sandbox×2",
    "sendgrid×1",
    "sendgrid×2",
  ])
  for (const d of result.dispatch) {
    expect(d.run_statuses).toEqual({ completed: 20 })
    expect(d.messages).toEqual(d.provider === "sandbox" ? { delivered: 20 } : { sent: 20 })
    expect(d.msg_per_s).toBeCloseTo(20 / d.seconds)
    const raw = result.raw_insert.find((r: { connections: number }) => r.connections === d.workers)
    expect(d.vs_raw_insert).toBeCloseTo(d.msg_per_s / raw.rows_per_s)
  }
  // The fake SendGrid heard of each message once.
  for (const d of result.dispatch.filter((d: { provider: string }) => d.provider === "sendgrid")) {
    expect(d.provider_received.personalizations).toBe(20)
  }
})

it("runs the memory benchmark on a small backlog and reports the worker's RSS at idle, at its peak and the growth", async () => {
  const result = await runBench("memory.js", [])
  expect(result).toMatchObject({ runs: 200, drained: 200, partial: false })
  expect(result.messages).toEqual({ delivered: 200 })
  expect(result.run_statuses).toEqual({ completed: 200 })
  const { baseline, peak, growth } = result.rss_mb
  expect(baseline).toBeGreaterThan(0)
  expect(peak).toBeGreaterThanOrEqual(baseline)
  expect(growth).toBeCloseTo(peak - baseline)
})

// The store-API benchmark, as CI runs it: a handful of checkouts against the demo store with and without the
// plugin, and the control (a second store without it), so it proves the three stores start, every checkout
// endpoint answers, and the counters are read.
it("runs the store-API benchmark on a few checkouts and reports every endpoint and the database writes with and without the plugin, and for the control", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      path.join(ROOT, "bench/store-api.js"),
      "--smoke",
      "--control",
      "--json",
      "--database=medusa_flows_store_api_smoke",
      `--port=${process.env.STORE_API_BENCH_PORT || 9000}`,
    ],
    { cwd: ROOT, env: process.env, maxBuffer: 10 * 1024 * 1024 }
  )
  const result = JSON.parse(stdout.trim().split("\n").pop()!)
  expect(result).toMatchObject({
    checkouts: 8,
    connections: 2,
    rounds: 2,
    machine: { cpus: expect.any(Number), postgres: expect.any(String) },
  })
  expectComparison(result)
  expectComparison(result.control)
  // The control does what the store without the plugin does; the plugin adds its inbox's writes to a checkout.
  expect(result.control.database.with.row_writes_per_checkout).toBeCloseTo(result.database.without.row_writes_per_checkout, 0)
  expect(result.database.with.row_writes_per_checkout).toBeGreaterThan(result.database.without.row_writes_per_checkout + 10)
  expect(result.inbox_left).toBe(0)
  // After every endpoint's two turns on the plugin's store, its deferred work was waited for.
  expect(result.deferred_done_after_turn).toEqual({ turns: 14, p50_ms: expect.any(Number), max_ms: expect.any(Number) })
  expect(result.deferred_done_after_turn.max_ms).toBeGreaterThanOrEqual(result.deferred_done_after_turn.p50_ms)
  const halves = {
    early_p95_ms: expect.any(Number),
    late_p95_ms: expect.any(Number),
    ratio_early_to_late: expect.any(Number),
    slow_in_first_half: expect.any(Number),
  }
  expect(result.turn_halves).toEqual({ without: halves, with: halves, control: halves })
  // Every store's CPU time and statements sent in each of its turns: 7 endpoints of 2 turns.
  for (const store of ["without", "with", "control"]) {
    for (const counts of [result.cpu_turns[store], result.statement_turns[store]]) {
      expect(counts).toHaveLength(7)
      for (const turns of counts) {
        expect(turns).toEqual([expect.any(Number), expect.any(Number)])
        expect(Math.min(...turns)).toBeGreaterThan(0)
      }
    }
    // A turn may see no collection at all, never a negative one.
    expect(result.gc_turns[store]).toHaveLength(7)
    for (const turns of result.gc_turns[store]) {
      expect(turns).toEqual([expect.any(Number), expect.any(Number)])
      expect(Math.min(...turns)).toBeGreaterThanOrEqual(0)
    }
    // Statements are counted, one by one.
    expect(result.statement_turns[store].flat().every(Number.isInteger)).toBe(true)
  }
  // The two stores without the plugin run the same code: each request sends them the same statements (give or
  // take a pool's or a job's few, now and then, in a turn of four requests).
  for (const e of result.control.endpoints) {
    expect(Math.abs(e.extra_statements)).toBeLessThan(1)
  }
})

/** One store's figures against the store without the plugin: every endpoint, the whole checkout, the database. */
function expectComparison(comparison: Record<string, any>) {
  expect(comparison.endpoints.map((e: { endpoint: string }) => e.endpoint)).toEqual([
    "create cart",
    "add line item",
    "update cart (email, addresses)",
    "add shipping method",
    "create payment collection",
    "create payment session",
    "complete cart",
  ])
  const timing = {
    endpoint: expect.any(String),
    requests: 8,
    p50_ms: expect.any(Number),
    p95_ms: expect.any(Number),
    cpu_ms_per_request: expect.any(Number),
    gc_ms_per_request: expect.any(Number),
    statements_per_request: expect.any(Number),
  }
  for (const e of comparison.endpoints) {
    expect(e).toEqual({
      endpoint: e.endpoint,
      without: timing,
      with: timing,
      ratio_p50: e.with.p50_ms / e.without.p50_ms,
      ratio_p95: e.with.p95_ms / e.without.p95_ms,
      interval_p50: [expect.any(Number), expect.any(Number)],
      interval_p95: [expect.any(Number), expect.any(Number)],
      ratio_cpu: e.with.cpu_ms_per_request / e.without.cpu_ms_per_request,
      interval_cpu: [expect.any(Number), expect.any(Number)],
      extra_gc_ms: e.with.gc_ms_per_request - e.without.gc_ms_per_request,
      extra_statements: e.with.statements_per_request - e.without.statements_per_request,
    })
    expect(e.interval_p50[0]).toBeLessThanOrEqual(e.interval_p50[1])
    expect(e.interval_p95[0]).toBeLessThanOrEqual(e.interval_p95[1])
    expect(e.interval_cpu[0]).toBeLessThanOrEqual(e.interval_cpu[1])
    // Every request costs its store some CPU time, read from the store's process.
    expect(e.without.cpu_ms_per_request).toBeGreaterThan(0)
    expect(e.with.cpu_ms_per_request).toBeGreaterThan(0)
    // And sends statements to Postgres, counted in the store's process.
    expect(e.without.statements_per_request).toBeGreaterThan(0)
    expect(e.with.statements_per_request).toBeGreaterThan(0)
  }
  const sum = (
    side: "without" | "with",
    key: "p50_ms" | "p95_ms" | "cpu_ms_per_request" | "gc_ms_per_request" | "statements_per_request"
  ) => comparison.endpoints.reduce((total: number, e: Record<string, Record<string, number>>) => total + e[side][key], 0)
  expect(comparison.checkout).toEqual({
    without: {
      p50_ms: sum("without", "p50_ms"),
      p95_ms: sum("without", "p95_ms"),
      cpu_ms_in_turns: sum("without", "cpu_ms_per_request"),
      gc_ms_in_turns: sum("without", "gc_ms_per_request"),
      statements_in_turns: sum("without", "statements_per_request"),
    },
    with: {
      p50_ms: sum("with", "p50_ms"),
      p95_ms: sum("with", "p95_ms"),
      cpu_ms_in_turns: sum("with", "cpu_ms_per_request"),
      gc_ms_in_turns: sum("with", "gc_ms_per_request"),
      statements_in_turns: sum("with", "statements_per_request"),
    },
    ratio_p50: sum("with", "p50_ms") / sum("without", "p50_ms"),
    ratio_p95: sum("with", "p95_ms") / sum("without", "p95_ms"),
    ratio_cpu: sum("with", "cpu_ms_per_request") / sum("without", "cpu_ms_per_request"),
    interval_p50: [expect.any(Number), expect.any(Number)],
    interval_p95: [expect.any(Number), expect.any(Number)],
    interval_cpu: [expect.any(Number), expect.any(Number)],
    extra_gc_ms: sum("with", "gc_ms_per_request") - sum("without", "gc_ms_per_request"),
    extra_statements: sum("with", "statements_per_request") - sum("without", "statements_per_request"),
  })
  // The whole run's CPU time per checkout, between turns and idle included, and the idle rate alone.
  for (const side of ["without", "with"] as const) {
    expect(comparison.cpu[side]).toEqual({
      ms_per_checkout: expect.any(Number),
      gc_ms_per_checkout: expect.any(Number),
      idle_ms_per_second: expect.any(Number),
    })
    expect(comparison.cpu[side].ms_per_checkout).toBeGreaterThan(0)
    // A whole run of a Medusa store collects garbage, and its pauses are part of its CPU time.
    expect(comparison.cpu[side].gc_ms_per_checkout).toBeGreaterThan(0)
    expect(comparison.cpu[side].gc_ms_per_checkout).toBeLessThan(comparison.cpu[side].ms_per_checkout)
    expect(comparison.cpu[side].idle_ms_per_second).toBeGreaterThanOrEqual(0)
  }
  for (const ratio of [
    comparison.checkout.ratio_cpu,
    comparison.cpu.ratio_cpu,
    comparison.cpu.ratio_gc,
    ...comparison.endpoints.map((e: { ratio_cpu: number }) => e.ratio_cpu),
  ]) {
    expect(Number.isFinite(ratio)).toBe(true)
  }
  // A checkout writes rows on every store; with the plugin, the inbox was recorded before the counters were read.
  for (const side of [comparison.database.without, comparison.database.with]) {
    expect(side.transactions_per_checkout).toBeGreaterThan(0)
    expect(side.row_writes_per_checkout).toBeGreaterThan(0)
    expect(side.statements_per_checkout).toBeGreaterThan(0)
  }
  // The whole run holds every turn: a store sent at least as many statements over it as in its turns.
  for (const side of ["without", "with"] as const) {
    expect(comparison.database[side].statements_per_checkout).toBeGreaterThanOrEqual(comparison.checkout[side].statements_in_turns)
    expect(comparison.database[side].idle_statements_per_second).toBeGreaterThanOrEqual(0)
  }
  expect(comparison.database.ratio_statements).toBeCloseTo(
    comparison.database.with.statements_per_checkout / comparison.database.without.statements_per_checkout
  )
}

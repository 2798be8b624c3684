import { execFile } from "node:child_process"
import path from "node:path"
import { promisify } from "node:util"

// The analytics benchmark, as CI runs it: a tiny store, so it only proves the command works end to end
// (migrate, seed, build the rollup, read both ways) and prints what BENCHMARKS.md records. Speed is not
// asserted here; it is measured with the full size (`node bench/analytics.js`).
jest.setTimeout(900_000)

const ROOT = path.join(__dirname, "../..")

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

// The store-API benchmark, as CI runs it: a handful of checkouts against the demo store with and without the
// plugin, so it proves both stores start, every checkout endpoint answers, and the counters are read.
it("runs the store-API benchmark on a few checkouts and reports every endpoint and the database writes with and without the plugin", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      path.join(ROOT, "bench/store-api.js"),
      "--smoke",
      "--json",
      "--database=medusa_flows_store_api_smoke",
      `--port=${process.env.STORE_API_BENCH_PORT || 9000}`,
    ],
    { cwd: ROOT, env: process.env, maxBuffer: 10 * 1024 * 1024 }
  )
  const result = JSON.parse(stdout.trim().split("\n").pop()!)
  expect(result).toMatchObject({ checkouts: 8, connections: 2, machine: { cpus: expect.any(Number), postgres: expect.any(String) } })
  expect(result.endpoints.map((e: { endpoint: string }) => e.endpoint)).toEqual([
    "create cart",
    "add line item",
    "update cart (email, addresses)",
    "add shipping method",
    "create payment collection",
    "create payment session",
    "complete cart",
  ])
  const timing = { endpoint: expect.any(String), requests: 8, p50_ms: expect.any(Number), p95_ms: expect.any(Number) }
  for (const e of result.endpoints) {
    expect(e).toEqual({
      endpoint: e.endpoint,
      without: timing,
      with: timing,
      ratio_p50: e.with.p50_ms / e.without.p50_ms,
      ratio_p95: e.with.p95_ms / e.without.p95_ms,
    })
  }
  // A checkout writes rows with or without the plugin; with it, the inbox was recorded before the counters were read.
  for (const side of [result.database.without, result.database.with]) {
    expect(side.transactions_per_checkout).toBeGreaterThan(0)
    expect(side.row_writes_per_checkout).toBeGreaterThan(0)
  }
  expect(result.inbox_left).toBe(0)
})

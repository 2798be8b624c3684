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

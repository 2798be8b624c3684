import {
  authorizationOf,
  createActiveFlow,
  endedRuns,
  expectEachMessageOnce,
  log,
  seedDueRuns,
  sendDefinition,
  startFaultStore,
  untilReached,
  type FaultStore,
} from "./harness"

/** Due messages for the two workers. The wait below fails on a stall, not on the time the whole takes. */
const MESSAGES = Number(process.env.FAULTS_MESSAGES || 10_000)

jest.setTimeout(4 * 60 * 60_000)

let store: FaultStore

beforeAll(async () => {
  store = await startFaultStore({ database: "h3_faults_two_workers", workers: 2, scheduler: { batchSize: 100 } })
})

afterAll(async () => {
  await store?.stop()
})

it(`two worker processes send ${MESSAGES} due messages, none of them twice`, async () => {
  const flow = await createActiveFlow(store.server, store.db, "Two workers", sendDefinition())
  await seedDueRuns(store.db, flow, { count: MESSAGES, prefix: "two" })
  const started = Date.now()
  await untilReached("runs ended", () => endedRuns(store.db, flow.flowId), MESSAGES)
  log(`${MESSAGES} messages sent by two workers in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  await expectEachMessageOnce(store, flow.flowId, { runs: MESSAGES, steps: ["hello"] })
  // Both took part, each from its start: each worker sends with its own key. The server process, which
  // answers requests only, sent nothing.
  const accepted = store.sendgrid.requests.filter((r) => r.outcome.status === 202)
  for (const worker of store.workers) {
    expect(accepted.filter((r) => r.authorization === authorizationOf(worker)).length).toBeGreaterThan(0)
  }
  const byWorkers = new Set<string | undefined>(store.workers.map(authorizationOf))
  expect(accepted.filter((r) => !byWorkers.has(r.authorization))).toEqual([])
})

import { eventually } from "../helpers/eventually"
import {
  abandonedMessages,
  createActiveFlow,
  endedRuns,
  expectEachMessageOnce,
  log,
  messagesOf,
  seedDueRuns,
  sendDefinition,
  startFaultStore,
  untilReached,
  type FaultStore,
} from "./harness"

const cluster = require("../../scripts/store-cluster")

const MESSAGES = 400

jest.setTimeout(60 * 60_000)

let store: FaultStore

beforeAll(async () => {
  // One worker, so that every message `sending` in the database is one of its calls. A short lease and
  // timeout let the restarted worker take the killed one's runs back soon (after the lease, and after the
  // longest a call can take, 4 × timeoutMs).
  store = await startFaultStore({
    database: "h3_faults_worker_crash",
    workers: 1,
    scheduler: { batchSize: 100, leaseMs: 10_000 },
    delivery: { timeoutMs: 10_000 },
  })
})

afterAll(async () => {
  await store?.stop()
})

it("kill -9 of a worker mid-dispatch loses nothing, and only its calls in flight end uncertain", async () => {
  const [worker] = store.workers
  // Texts: each is a call of its own, so the calls in flight name their messages (by number) one for one.
  const flow = await createActiveFlow(store.server, store.db, "Worker crash", sendDefinition({ email: false, sms: true }))
  // A quarter of the texts are answered; then every answer waits, however fast the worker is, until the
  // worker is blocked on calls in flight: each message it marked `sending` is in a call the fake holds, and
  // stays so. Then the kill finds nothing between the database and a call.
  const holdStart = store.twilio.requests.length + MESSAGES / 4
  const release = store.twilio.holdAllAnswers({ afterCalls: MESSAGES / 4 })
  const heldCalls = () => store.twilio.requests.slice(holdStart)
  await seedDueRuns(store.db, flow, { count: MESSAGES, prefix: "crash", smsConsent: true })
  let inFlight: string[] = []
  await eventually(async () => {
    const sending = (await messagesOf(store.db, flow.flowId)).filter((m) => m.status === "sending")
    const held = new Set(
      heldCalls()
        .filter((call) => !call.outcome.clientLeft)
        .map((call) => call.params.To)
    )
    const ids = sending.map((m) => m.id).sort()
    const stable = ids.length > 0 && sending.every((m) => held.has(m.to)) && ids.join() === inFlight.join()
    inFlight = ids
    return stable || undefined
  }, 300_000)
  await cluster.kill(worker)
  // The calls in flight lost their client: the fake sees their sockets close.
  await eventually(async () => (heldCalls().every((call) => call.outcome.clientLeft) ? true : undefined), 30_000)
  // Every call that lost its client (at the kill, or earlier to a timeout the load caused) leaves its message
  // uncertain, and no other call does; the kill found the worker with calls in flight.
  const uncertain = await abandonedMessages(store, flow.flowId)
  expect(inFlight.length).toBeGreaterThan(0)
  expect(uncertain).toEqual(expect.arrayContaining(inFlight))
  log(`killed the worker with ${inFlight.length} call(s) in flight; ${uncertain.length} call(s) lost their client in all`)
  release()

  await cluster.restart(worker)
  await untilReached("runs ended after the restart", () => endedRuns(store.db, flow.flowId), MESSAGES)
  await expectEachMessageOnce(store, flow.flowId, { runs: MESSAGES, steps: ["text"], uncertain })
})

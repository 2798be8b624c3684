import { eventually } from "../helpers/eventually"
import {
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

const messageIdsOf = (calls: FaultStore["sendgrid"]["requests"]) =>
  calls.flatMap((call) => call.body.personalizations.map((p: any) => p.custom_args.flows_message_id as string))

it("kill -9 of a worker mid-dispatch loses nothing, and only its calls in flight end uncertain", async () => {
  const [worker] = store.workers
  const flow = await createActiveFlow(store.server, store.db, "Worker crash", sendDefinition())
  await seedDueRuns(store.db, flow, { count: MESSAGES, prefix: "crash" })
  await untilReached("messages accepted before the crash", async () => store.sendgrid.acceptedMessageIds().length, MESSAGES / 4)

  // Hold every answer until the worker is blocked on calls in flight: each message it marked `sending`
  // is in a call the fake holds, and stays so. Then the kill finds nothing between the database and the call.
  const holdStart = store.sendgrid.requests.length
  const heldCalls = () => store.sendgrid.requests.slice(holdStart)
  const release = store.sendgrid.holdAllAnswers()
  let inFlight: string[] = []
  await eventually(async () => {
    const sending = (await messagesOf(store.db, flow.flowId))
      .filter((m) => m.status === "sending")
      .map((m) => m.id)
      .sort()
    const held = new Set(messageIdsOf(heldCalls().filter((call) => !call.outcome.clientLeft)))
    const stable = sending.length > 0 && sending.every((id) => held.has(id)) && sending.join() === inFlight.join()
    inFlight = sending
    return stable || undefined
  }, 120_000)
  await cluster.kill(worker)
  // The calls in flight lost their client: the fake sees their sockets close.
  await eventually(async () => (heldCalls().every((call) => call.outcome.clientLeft) ? true : undefined), 30_000)
  const lostCalls = heldCalls()
  const uncertain = messageIdsOf(lostCalls)
  expect(uncertain.sort()).toEqual(inFlight)
  log(`killed the worker with ${lostCalls.length} call(s) in flight, for ${uncertain.length} message(s)`)
  release()

  await cluster.restart(worker)
  await untilReached("runs ended after the restart", () => endedRuns(store.db, flow.flowId), MESSAGES)
  await expectEachMessageOnce(store, flow.flowId, { runs: MESSAGES, steps: ["hello"], uncertain })
})

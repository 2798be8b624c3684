import path from "node:path"
import { eventually } from "../helpers/eventually"
import {
  PORTS,
  createActiveFlow,
  endedRuns,
  expectEachMessageOnce,
  log,
  seedDueRuns,
  sendDefinition,
  startFaultStore,
  startPrivatePostgres,
  untilReached,
  type FaultStore,
} from "./harness"

const { ROOT } = require("../../scripts/postgres")

const MESSAGES = 1000
/** How long Postgres stays down: longer than the plugin's own write retries (about a second). */
const OUTAGE_MS = 5000

jest.setTimeout(60 * 60_000)

const startPostgres = () => startPrivatePostgres(path.join(ROOT, ".data", "faults-postgres"), PORTS.postgres)

let postgres: Awaited<ReturnType<typeof startPostgres>>
let store: FaultStore

beforeAll(async () => {
  postgres = await startPostgres()
  store = await startFaultStore({
    database: "h3_faults_postgres_restart",
    workers: 2,
    postgres: postgres.server,
    scheduler: { batchSize: 100 },
  })
})

afterAll(async () => {
  await store?.stop()
  await postgres?.stop()
})

it("Postgres restarts mid-dispatch: the processes carry on by themselves, and every message goes exactly once", async () => {
  // Texts, a call each. After a fifth of them, answers wait: Postgres goes down while calls are in flight,
  // and their answers come back while it is down, so the workers must keep what the provider accepted.
  const flow = await createActiveFlow(store.server, store.db, "Postgres restart", sendDefinition({ email: false, sms: true }))
  const holdStart = store.twilio.requests.length + MESSAGES / 5
  const release = store.twilio.holdAllAnswers({ afterCalls: MESSAGES / 5 })
  await seedDueRuns(store.db, flow, { count: MESSAGES, prefix: "pgrestart", smsConsent: true })
  await eventually(async () => (store.twilio.requests.length > holdStart ? true : undefined), 300_000)

  log("stopping Postgres, with calls in flight")
  await postgres.stop()
  release()
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS))
  postgres = await startPostgres()
  log("Postgres is back")

  await untilReached("runs ended after the restart", () => endedRuns(store.db, flow.flowId), MESSAGES)
  // No process was restarted by hand, and none died.
  for (const proc of [store.server, ...store.workers]) {
    expect({ name: proc.name, exitCode: proc.child.exitCode, signal: proc.child.signalCode }).toEqual({
      name: proc.name,
      exitCode: null,
      signal: null,
    })
  }
  await expectEachMessageOnce(store, flow.flowId, { runs: MESSAGES, steps: ["text"] })
})

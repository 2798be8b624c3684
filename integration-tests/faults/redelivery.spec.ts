import { Queue, type Job } from "bullmq"
import IORedis from "ioredis"
import {
  REDIS_URL,
  admin,
  createActiveFlow,
  endedRuns,
  expectEachMessageOnce,
  startFaultStore,
  untilReached,
  type FaultStore,
} from "./harness"

const CUSTOMERS = 20
/** Where Medusa's Redis event bus (2.21) queues events: its queue name and its class name as prefix. */
const EVENTS_QUEUE = { name: "events-queue", prefix: "RedisEventBusService" }

jest.setTimeout(60 * 60_000)

let store: FaultStore
let redis: IORedis
let events: Queue

beforeAll(async () => {
  store = await startFaultStore({ database: "h3_faults_redelivery", workers: 1 })
  redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null })
  events = new Queue(EVENTS_QUEUE.name, { prefix: EVENTS_QUEUE.prefix, connection: redis })
})

afterAll(async () => {
  await events?.close()
  redis?.disconnect()
  await store?.stop()
})

const welcome = (reentry?: unknown) => ({
  trigger: { event: "customer.created" },
  ...(reentry ? { reentry } : {}),
  // Exempt, as a transactional welcome is: the two flows' messages do not compete for one person's inbox.
  steps: [
    {
      id: "welcome",
      type: "send_email",
      exempt: true,
      template: { subject: "Welcome, {{ customer.first_name }}", html: "<p>Welcome!</p>" },
    },
  ],
})

/**
 * Puts events on Medusa's event queue as its Redis event bus does (`{ data, metadata }` under the event's
 * name), kept once done so the test can wait for them; resolves when the worker has handled every one.
 */
async function redeliver(names: string[], ids: string[]) {
  const jobs: Job[] = await events.addBulk(
    names.flatMap((name) => ids.map((id) => ({ name, data: { data: { id }, metadata: {} }, opts: { attempts: 1 } })))
  )
  const states = () => Promise.all(jobs.map((job) => job.getState()))
  const settled = async () => (await states()).filter((state) => state === "completed" || state === "failed").length
  await untilReached("redelivered events handled", settled, jobs.length)
  expect((await states()).filter((state) => state !== "completed")).toEqual([])
}

it("the same store events delivered three more times start no run and send no message twice", async () => {
  const once = await createActiveFlow(store.server, store.db, "Welcome (once)", welcome())
  const cooldown = await createActiveFlow(
    store.server,
    store.db,
    "Welcome (cooldown per person)",
    welcome({ mode: "cooldown", cooldown: { amount: 7, unit: "days" }, scope: "person" })
  )
  const customerIds: string[] = []
  for (let i = 0; i < CUSTOMERS; i++) {
    const { customer } = await admin(store.server, "/admin/customers", { email: `redelivery-${i}@example.com`, first_name: `Ann ${i}` })
    customerIds.push(customer.id)
  }
  // Medusa's own delivery went through the queue the copies are put on.
  expect(await redis.exists(`${EVENTS_QUEUE.prefix}:${EVENTS_QUEUE.name}:meta`)).toBe(1)

  // The first copy while the runs may still be under way, the other two once every message went out.
  await redeliver(["customer.created"], customerIds)
  for (const flow of [once, cooldown]) {
    await untilReached("runs ended", () => endedRuns(store.db, flow.flowId), CUSTOMERS)
  }
  await redeliver(["customer.created", "customer.created"], customerIds)

  for (const flow of [once, cooldown]) {
    await expectEachMessageOnce(store, flow.flowId, { runs: CUSTOMERS, steps: ["welcome"] })
  }
  // One contact per person, and one timeline entry per event and per message.
  const { rows } = await store.db.query(
    `SELECT c.email, e.type, count(*)::int AS n FROM flows_contact c JOIN flows_contact_event e ON e.contact_id = c.id
     WHERE c.email LIKE 'redelivery-%' GROUP BY c.email, e.type`
  )
  expect(new Set(rows.map((r) => r.email)).size).toBe(CUSTOMERS)
  expect(rows.filter((r) => r.type === "customer.created")).toHaveLength(CUSTOMERS)
  expect(rows.filter((r) => r.n !== 1 && r.type !== "email.sent")).toEqual([])
  expect(rows.filter((r) => r.type === "email.sent" && r.n !== 2)).toEqual([])
})

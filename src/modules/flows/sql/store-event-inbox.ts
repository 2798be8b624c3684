import { newId } from "./ids"
import type { Database } from "./database"
import { json } from "./database"

export type InboxRow = {
  id: string
  seq: number
  name: string
  data: Record<string, unknown>
  subject_key: string
  received_at: Date
  claimed_until: Date
  attempts: number
}

export type InboxEvent = { name: string; data: unknown; subject_key: string }

/**
 * The subscriber's only write: one INSERT for the events given, in their order (`seq` follows the rows),
 * each stamped with the database's time of arrival.
 */
export async function insertInboxEvents(db: Database, events: InboxEvent[]) {
  if (!events.length) {
    return
  }
  const row = "(?, ?, ?::jsonb, ?, clock_timestamp(), clock_timestamp())"
  await db.rows(
    `INSERT INTO flows_store_event_inbox (id, name, data, subject_key, received_at, available_at)
     VALUES ${events.map(() => row).join(", ")}`,
    events.flatMap((event) => [newId("flowinb"), event.name, json(event.data), event.subject_key])
  )
}

/** An event no one holds and whose time has come, at the time given twice: what a claim may take. */
export const CLAIMABLE_EVENT = "deleted_at IS NULL AND available_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"

/**
 * Claims up to `limit` events in arrival order, for `leaseMs`. An event is left alone while an earlier one
 * about the same subject is claimed by another worker or waits for its retry, so each subject's events are
 * recorded in the order they arrived. Claims take a lock of their own, one at a time: without it two workers
 * could each take one event of the same subject. `attempts` counts claims, so an event that kills its worker
 * is counted too.
 */
export async function claimInboxEvents(db: Database, opts: { limit: number; leaseMs: number; now: Date }): Promise<InboxRow[]> {
  const leaseEnd = new Date(opts.now.getTime() + opts.leaseMs)
  return await db.transaction(async (tx) => {
    await tx.rows("SELECT pg_advisory_xact_lock(hashtext('flows_store_event_inbox'))")
    const rows = await tx.rows(
      `UPDATE flows_store_event_inbox i SET claimed_until = ?, attempts = i.attempts + 1, updated_at = ?
       FROM (
         SELECT c.id FROM flows_store_event_inbox c
         WHERE ${CLAIMABLE_EVENT}
           AND NOT EXISTS (
             SELECT 1 FROM flows_store_event_inbox e
             WHERE e.subject_key = c.subject_key AND e.seq < c.seq AND e.deleted_at IS NULL
               AND (e.available_at > ? OR e.claimed_until >= ?))
         ORDER BY c.seq
         LIMIT ?
         FOR UPDATE SKIP LOCKED
       ) due
       WHERE i.id = due.id
       RETURNING i.id, i.seq, i.name, i.data, i.subject_key, i.received_at, i.claimed_until, i.attempts`,
      [leaseEnd, opts.now, opts.now, opts.now, opts.now, opts.now, opts.limit]
    )
    return (rows as InboxRow[]).sort((a, b) => a.seq - b.seq)
  })
}

/** Deletes recorded events; only while this worker's claim holds (its lease end is the fence). */
export async function deleteInboxEvents(db: Database, ids: string[], claimedUntil: Date) {
  if (ids.length) {
    await db.rows(`DELETE FROM flows_store_event_inbox WHERE id IN (?) AND claimed_until = ?`, [ids, claimedUntil])
  }
}

/** Events whose recording failed: kept with the error, and claimable again at `retryAt`. */
export async function failInboxEvents(db: Database, ids: string[], claimedUntil: Date, error: string, retryAt: Date, now: Date) {
  await db.rows(
    `UPDATE flows_store_event_inbox SET claimed_until = NULL, last_error = ?, available_at = ?, updated_at = ?
     WHERE id IN (?) AND claimed_until = ?`,
    [error.slice(0, 2000), retryAt, now, ids, claimedUntil]
  )
}

/** Events claimed but not tried (an earlier event of their subject failed): released, their claim not counted. */
export async function releaseInboxEvents(db: Database, ids: string[], claimedUntil: Date, now: Date) {
  if (ids.length) {
    await db.rows(
      `UPDATE flows_store_event_inbox SET claimed_until = NULL, attempts = attempts - 1, updated_at = ?
       WHERE id IN (?) AND claimed_until = ?`,
      [now, ids, claimedUntil]
    )
  }
}

import { newId } from "./ids"
import type { MessageStatus } from "../../../engine/constants"
import { addTimelineEntry } from "./contacts"
import { json, type Database } from "./database"

/**
 * Records a webhook event once. False when it was seen before: providers deliver events more than once.
 * An event about a provider id no message has yet is kept with its payload, `pending` on that id.
 */
export async function firstTimeSeen(
  db: Database,
  event: {
    provider: string
    event_id: string
    type: string
    message_id: string | null
    pending?: { provider_id: string; payload: Record<string, unknown> }
  },
  now: Date
): Promise<boolean> {
  const row = await db.first(
    `INSERT INTO flows_provider_event (id, provider, event_id, type, message_id, pending_provider_id, payload, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)
     ON CONFLICT (provider, event_id) WHERE deleted_at IS NULL DO NOTHING
     RETURNING id`,
    [
      newId("flowpev"),
      event.provider,
      event.event_id,
      event.type,
      event.message_id,
      event.pending?.provider_id ?? null,
      event.pending ? json(event.pending.payload) : null,
      now,
      now,
    ]
  )
  return Boolean(row)
}

/**
 * Serializes, until the transaction ends, the work about one provider id: storing it on its message, and
 * an event about it that may arrive at the same moment. Neither can then miss the other.
 */
export async function lockProviderId(db: Database, providerId: string): Promise<void> {
  await db.rows(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`medusa-plugin-flows:provider-id:${providerId}`])
}

/** Takes the events kept for a provider id, now that `messageId` has it, and returns their payloads. */
export async function takeEventsAwaiting(db: Database, providerId: string, messageId: string, now: Date) {
  const rows = await db.rows(
    `UPDATE flows_provider_event SET pending_provider_id = NULL, message_id = ?, updated_at = ?
     WHERE pending_provider_id = ? AND deleted_at IS NULL
     RETURNING payload`,
    [messageId, now, providerId]
  )
  return rows.map((row) => row.payload as Record<string, string>)
}

export type MessageRef = { id: string; status: string; contact_id: string | null; flow_id: string | null; run_id: string | null }

export async function findMessage(
  db: Database,
  by: { id?: string | null; provider_id?: string | null; idempotency_key?: string | null }
): Promise<MessageRef | undefined> {
  const [column, value] = by.id ? ["id", by.id] : by.provider_id ? ["provider_id", by.provider_id] : ["idempotency_key", by.idempotency_key]
  if (!value) {
    return undefined
  }
  return (await db.first(`SELECT id, status, contact_id, flow_id, run_id FROM flows_message WHERE ${column} = ? AND deleted_at IS NULL`, [
    value,
  ])) as MessageRef | undefined
}

/** How far a message got. A status only ever moves forward: a late "delivered" never undoes "opened". */
const PROGRESS: Partial<Record<string, number>> = {
  sending: 1,
  retrying: 1,
  uncertain: 1,
  sent: 2,
  delivered: 3,
  opened: 4,
  clicked: 5,
  bounced: 3,
  dropped: 3,
  undelivered: 3,
  failed: 3,
} satisfies Partial<Record<MessageStatus, number>>

export async function advanceMessageStatus(
  db: Database,
  message: { id: string; status: string },
  status: string,
  details: { error?: string | null; error_code?: string | null },
  now: Date
): Promise<boolean> {
  if ((PROGRESS[status] ?? 0) <= (PROGRESS[message.status] ?? 0)) {
    return false
  }
  await db.rows(
    `UPDATE flows_message SET status = ?, error = COALESCE(?, error), error_code = COALESCE(?, error_code), updated_at = ?
     WHERE id = ?`,
    [status, details.error ?? null, details.error_code ?? null, now, message.id]
  )
  return true
}

/**
 * What a provider (or a tap on a short link) says about a message: its status moves forward, when the
 * event has one, and its contact's timeline records the event once, by `dedupe_key`.
 */
export async function recordMessageEvent(
  db: Database,
  message: MessageRef,
  event: {
    status?: string
    error?: string | null
    error_code?: string | null
    type: string
    occurred_at: Date
    dedupe_key: string
    data?: Record<string, unknown>
  },
  now: Date
): Promise<void> {
  if (event.status) {
    await advanceMessageStatus(db, message, event.status, { error: event.error, error_code: event.error_code }, now)
  }
  if (message.contact_id) {
    await addTimelineEntry(db, {
      contact_id: message.contact_id,
      type: event.type,
      occurred_at: event.occurred_at,
      dedupe_key: event.dedupe_key,
      flow_id: message.flow_id,
      run_id: message.run_id,
      message_id: message.id,
      data: event.data ?? null,
    })
  }
}

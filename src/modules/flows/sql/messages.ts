import { newId } from "./ids"
import type { RenderedMessage } from "../types"
import type { Database, Row } from "./database"
import type { ChannelName } from "../../../engine/constants"

export type MessageDraft = RenderedMessage & {
  idempotency_key: string
  flow_id: string | null
  run_id: string | null
  step_id: string
  contact_id: string | null
  provider: string
  to: string | null
  status: "sending" | "skipped" | "failed"
  error?: string | null
  segments?: number | null
  /** From an exempt step: not counted toward the caps. */
  exempt?: boolean
}

const MESSAGE_COLUMNS = `id, idempotency_key, flow_id, run_id, step_id, contact_id, channel, provider, "to", status, subject,
  preheader, html, text, error, segments, attempts, exempt, created_at, updated_at`
const ONE_MESSAGE = `(${MESSAGE_COLUMNS.split(",")
  .map(() => "?")
  .join(", ")})`

export type StoredMessage = { id: string; status: string; attempts: number; updated_at: Date; created: boolean }

/**
 * Inserts each message unless its idempotency key exists, in one statement. Returns, in the drafts' order,
 * the row that holds each key: `created` tells whether this call wrote it (and so owns the send).
 */
export async function insertMessagesOnce(db: Database, drafts: { draft: MessageDraft; now: Date }[]): Promise<StoredMessage[]> {
  if (!drafts.length) {
    return []
  }
  const inserted = await db.bulkRows(
    `INSERT INTO flows_message (${MESSAGE_COLUMNS})
     VALUES ${drafts.map(() => ONE_MESSAGE).join(", ")}
     ON CONFLICT (idempotency_key) WHERE deleted_at IS NULL DO NOTHING
     RETURNING id, idempotency_key, status, attempts, updated_at`,
    drafts.flatMap(({ draft, now }) => [
      newId("flowmsg"),
      draft.idempotency_key,
      draft.flow_id,
      draft.run_id,
      draft.step_id,
      draft.contact_id,
      draft.channel,
      draft.provider,
      draft.to,
      draft.status,
      draft.subject ?? null,
      draft.preheader ?? null,
      draft.html ?? null,
      draft.text ?? null,
      draft.error ?? null,
      draft.segments ?? null,
      draft.status === "sending" ? 1 : 0,
      draft.exempt ?? false,
      now,
      now,
    ])
  )
  const stored = new Map<string, StoredMessage>(inserted.map((row) => [row.idempotency_key, storedMessage(row, true)]))
  const taken = drafts.map(({ draft }) => draft.idempotency_key).filter((key) => !stored.has(key))
  if (taken.length) {
    const existing = await db.rows(
      `SELECT id, idempotency_key, status, attempts, updated_at FROM flows_message WHERE idempotency_key IN (?) AND deleted_at IS NULL`,
      [taken]
    )
    existing.forEach((row) => stored.set(row.idempotency_key, storedMessage(row, false)))
  }
  return drafts.map(({ draft }) => stored.get(draft.idempotency_key)!)
}

/** Which of these idempotency keys a message already holds. */
export async function storedKeys(db: Database, keys: string[]): Promise<Set<string>> {
  if (!keys.length) {
    return new Set()
  }
  const rows = await db.rows(`SELECT idempotency_key FROM flows_message WHERE idempotency_key IN (?) AND deleted_at IS NULL`, [keys])
  return new Set(rows.map((row) => row.idempotency_key as string))
}

/** Inserts one message unless its idempotency key exists (see `insertMessagesOnce`). */
export async function insertMessageOnce(db: Database, draft: MessageDraft, now: Date): Promise<StoredMessage> {
  return (await insertMessagesOnce(db, [{ draft, now }]))[0]
}

const storedMessage = (row: Row, created: boolean): StoredMessage => ({
  id: row.id,
  status: row.status,
  attempts: row.attempts,
  updated_at: new Date(row.updated_at),
  created,
})

/** Takes a message that is waiting for a retry back into `sending`, counting the attempt. */
export async function startRetry(db: Database, id: string, now: Date): Promise<number | null> {
  const row = await db.first(
    `UPDATE flows_message SET status = 'sending', attempts = attempts + 1, updated_at = ?
     WHERE id = ? AND status = 'retrying' RETURNING attempts`,
    [now, id]
  )
  return row ? (row.attempts as number) : null
}

/**
 * Records how a send went. With `onlyFrom`, only a message still in one of those statuses changes (a late
 * result never overwrites a newer one). True when the row was updated.
 */
export async function markMessage(
  db: Database,
  id: string,
  update: {
    status: string
    provider_id?: string | null
    error?: string | null
    error_code?: string | null
    sent_at?: Date | null
    now: Date
  },
  onlyFrom?: string[]
): Promise<boolean> {
  const rows = await db.rows(
    `UPDATE flows_message SET status = ?, provider_id = COALESCE(?, provider_id), error = ?, error_code = ?,
       sent_at = COALESCE(?, sent_at), updated_at = ?
     WHERE id = ? ${onlyFrom ? "AND status IN (?)" : ""}
     RETURNING id`,
    [
      update.status,
      update.provider_id ?? null,
      update.error ?? null,
      update.error_code ?? null,
      update.sent_at ?? null,
      update.now,
      id,
      ...(onlyFrom ? [onlyFrom] : []),
    ]
  )
  return rows.length > 0
}

export type SentResult = { id: string; status: string; provider_id: string | null; now: Date }

/**
 * Records that the provider accepted messages, in one statement. Only a message still `sending` or
 * `uncertain` changes status: one a webhook (or the queue's worker) already moved on keeps its later status,
 * and gets the provider id if it had none. Returns the ids of the rows that exist.
 */
export async function markSentMany(db: Database, results: SentResult[]): Promise<Set<string>> {
  if (!results.length) {
    return new Set()
  }
  const rows = await db.bulkRows(
    `UPDATE flows_message m SET
       status = CASE WHEN m.status IN ('sending', 'uncertain') THEN v.status ELSE m.status END,
       error = CASE WHEN m.status IN ('sending', 'uncertain') THEN NULL ELSE m.error END,
       error_code = CASE WHEN m.status IN ('sending', 'uncertain') THEN NULL ELSE m.error_code END,
       provider_id = COALESCE(m.provider_id, v.provider_id), sent_at = COALESCE(m.sent_at, v.at), updated_at = v.at
     FROM (VALUES ${results.map(() => "(?::text, ?::text, ?::text, ?::timestamptz)").join(", ")}) AS v(id, status, provider_id, at)
     WHERE m.id = v.id
     RETURNING m.id`,
    results.flatMap((result) => [result.id, result.status, result.provider_id, result.now])
  )
  return new Set(rows.map((row) => row.id as string))
}

/** `markSentMany` for one message: true when its row exists. */
export async function markSent(db: Database, id: string, result: { status: string; provider_id: string | null }, now: Date) {
  return (await markSentMany(db, [{ id, ...result, now }])).has(id)
}

/** The last flow message that went out to a contact on a channel (and flow): what an opt-out is credited to. */
export async function lastMessageTo(db: Database, contactId: string, channel: ChannelName, flowId?: string | null) {
  return await db.first(
    `SELECT id, flow_id, run_id FROM flows_message
     WHERE contact_id = ? AND channel = ? AND run_id IS NOT NULL AND sent_at IS NOT NULL AND deleted_at IS NULL
       ${flowId ? "AND flow_id = ?" : ""}
     ORDER BY created_at DESC LIMIT 1`,
    [contactId, channel, ...(flowId ? [flowId] : [])]
  )
}

/** The last flow text that went out to a number, whichever contact it was for: what a STOP answers. */
export async function lastTextTo(db: Database, phone: string) {
  return await db.first(
    `SELECT id, flow_id, run_id, contact_id FROM flows_message
     WHERE "to" = ? AND channel = 'sms' AND run_id IS NOT NULL AND sent_at IS NOT NULL AND deleted_at IS NULL
     ORDER BY created_at DESC LIMIT 1`,
    [phone]
  )
}

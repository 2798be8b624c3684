import { generateEntityId } from "@medusajs/framework/utils"
import type { RenderedMessage } from "../types"
import { Database } from "./database"
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

/**
 * Inserts the message unless its idempotency key exists. Returns the row that holds the key:
 * `created` tells whether this call wrote it (and so owns the send).
 */
export async function insertMessageOnce(db: Database, draft: MessageDraft, now: Date) {
  const inserted = await db.first(
    `INSERT INTO flows_message (id, idempotency_key, flow_id, run_id, step_id, contact_id, channel, provider,
       "to", status, subject, preheader, html, text, error, segments, attempts, exempt, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (idempotency_key) WHERE deleted_at IS NULL DO NOTHING
     RETURNING id, status, attempts`,
    [
      generateEntityId(undefined, "flowmsg"),
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
    ]
  )
  if (inserted) {
    return {
      id: inserted.id as string,
      status: inserted.status as string,
      attempts: inserted.attempts as number,
      updated_at: now,
      created: true,
    }
  }
  const existing = await db.first(
    `SELECT id, status, attempts, updated_at FROM flows_message WHERE idempotency_key = ? AND deleted_at IS NULL`,
    [draft.idempotency_key]
  )
  return {
    id: existing!.id as string,
    status: existing!.status as string,
    attempts: existing!.attempts as number,
    updated_at: new Date(existing!.updated_at as string),
    created: false,
  }
}

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

/**
 * Records that the provider accepted a message. Only a message still `sending` or `uncertain` changes status:
 * one a webhook (or the queue's worker) already moved on keeps its later status, and gets the provider id
 * if it had none. True when the row exists.
 */
export async function markSent(db: Database, id: string, result: { status: string; provider_id: string | null }, now: Date) {
  const rows = await db.rows(
    `UPDATE flows_message SET
       status = CASE WHEN status IN ('sending', 'uncertain') THEN ? ELSE status END,
       error = CASE WHEN status IN ('sending', 'uncertain') THEN NULL ELSE error END,
       error_code = CASE WHEN status IN ('sending', 'uncertain') THEN NULL ELSE error_code END,
       provider_id = COALESCE(provider_id, ?), sent_at = COALESCE(sent_at, ?), updated_at = ?
     WHERE id = ?
     RETURNING id`,
    [result.status, result.provider_id, now, now, id]
  )
  return rows.length > 0
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

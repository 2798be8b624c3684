import type { ChannelName } from "../../../engine/constants"
import type { EngagementCounts } from "../../../engine/engagement"
import type { Database } from "./database"
import { NOT_COUNTED_FOR_CAP, NOT_REACHED } from "./message-statuses"

/**
 * Timeline entries that are engagement: a human open and the clicks. A machine open (`email.machine_opened`)
 * is not. Must match the partial index IDX_flows_contact_event_engagement (models/contact-event.ts).
 */
export const ENGAGEMENT_EVENTS = ["email.opened", "email.clicked", "sms.clicked"]

/** Most contacts counted in one statement: the widget and the scheduler ask for one, lists for a page. */
export const MAX_CONTACTS_PER_COUNT = 500

/**
 * What the engagement level is computed from, for many contacts in one statement: their last engagement in
 * (since, now] (human opens and clicks from the timeline, orders and cart activity from the contact row),
 * the flow messages that reached them after it, and their opens and clicks per channel. Each lateral
 * subquery reads one contact's rows through an index: the engagement events' partial index and
 * (contact_id, created_at) on messages.
 *
 * The messages are matched so that only that index can serve them: the period as row comparisons on
 * (contact_id, created_at), the statuses as `NOT IN`. While flows_message is young (a new store's first
 * campaign), its partial indexes' statistics still say empty until autovacuum analyzes it, and with a plain
 * `created_at` range or `status IN` Postgres took the index on created_at or status and read every recent
 * message once per contact: 38 ms per 100 contacts at the start of a 10,000-message drain, 248 ms at its end.
 */
export async function engagementCountsOf(
  db: Database,
  contactIds: string[],
  since: Date,
  now: Date
): Promise<Map<string, EngagementCounts>> {
  const ids = [...new Set(contactIds)].slice(0, MAX_CONTACTS_PER_COUNT)
  if (!ids.length) {
    return new Map()
  }
  const rows = await db.rows(
    `SELECT c.id, c.created_at AS known_since, l.last_engaged_at, m.messages_since,
       COALESCE(e.email_n, 0) AS email_n, COALESCE(e.sms_n, 0) AS sms_n
     FROM flows_contact c
     LEFT JOIN LATERAL (
       SELECT max(occurred_at) AS last_at,
         count(*) FILTER (WHERE type <> 'sms.clicked')::int AS email_n,
         count(*) FILTER (WHERE type = 'sms.clicked')::int AS sms_n
       FROM flows_contact_event
       WHERE contact_id = c.id AND type IN (?) AND occurred_at > ? AND occurred_at <= ? AND deleted_at IS NULL
     ) e ON true
     CROSS JOIN LATERAL (
       SELECT GREATEST(
         e.last_at,
         CASE WHEN c.last_order_at > ? AND c.last_order_at <= ? THEN c.last_order_at END,
         CASE WHEN c.last_cart_at > ? AND c.last_cart_at <= ? THEN c.last_cart_at END
       ) AS last_engaged_at
     ) l
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS messages_since FROM flows_message
       WHERE contact_id = c.id AND (contact_id, created_at) > (c.id, COALESCE(l.last_engaged_at, ?))
         AND (contact_id, created_at) <= (c.id, ?::timestamptz)
         AND run_id IS NOT NULL AND status NOT IN (?) AND deleted_at IS NULL
     ) m
     WHERE c.id IN (?) AND c.deleted_at IS NULL`,
    [ENGAGEMENT_EVENTS, since, now, since, now, since, now, since, now, NOT_REACHED, ids]
  )
  return new Map(
    rows.map((row) => [
      row.id as string,
      {
        last_engaged_at: row.last_engaged_at ? new Date(row.last_engaged_at) : null,
        messages_since: Number(row.messages_since),
        known_since: new Date(row.known_since),
        by_channel: { email: Number(row.email_n), sms: Number(row.sms_n) },
      },
    ])
  )
}

/**
 * Flow messages that count against a cap the contact got in (since, now]: for the stretched cap of unengaged
 * contacts. Matched as in engagementCountsOf, so that only the (contact_id, created_at) index serves it.
 */
export async function flowMessagesCountedSince(db: Database, contactId: string, since: Date, now: Date): Promise<number> {
  const row = await db.first(
    `SELECT count(*)::int AS sent FROM flows_message
     WHERE contact_id = ? AND (contact_id, created_at) > (?, ?::timestamptz) AND (contact_id, created_at) <= (?, ?::timestamptz)
       AND run_id IS NOT NULL AND status NOT IN (?) AND deleted_at IS NULL`,
    [contactId, contactId, since, contactId, now, NOT_COUNTED_FOR_CAP]
  )
  return row?.sent ?? 0
}

/** Keeps the contact's latest cart activity; an older event delivered late does not move it back. */
export async function noteCartActivity(db: Database, contactId: string, at: Date): Promise<void> {
  await db.rows(
    `UPDATE flows_contact SET last_cart_at = GREATEST(last_cart_at, ?)
     WHERE id = ? AND (last_cart_at IS NULL OR last_cart_at < ?)`,
    [at, contactId, at]
  )
}

/** Sets (or with null clears) the channel a contact says they prefer. */
export async function setPreferredChannel(db: Database, contactId: string, channel: ChannelName | null, now: Date): Promise<boolean> {
  const row = await db.first(
    `UPDATE flows_contact SET preferred_channel = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL RETURNING id`,
    [channel, now, contactId]
  )
  return Boolean(row)
}

/** Whether the flow version a run follows is marked for unengaged contacts. */
export async function sendsToUnengaged(db: Database, flowVersionId: string): Promise<boolean> {
  const row = await db.first(
    `SELECT COALESCE((definition->>'send_to_unengaged')::boolean, false) AS marked FROM flows_flow_version WHERE id = ?`,
    [flowVersionId]
  )
  return Boolean(row?.marked)
}

export async function preferredChannelOf(db: Database, contactId: string | null): Promise<ChannelName | null> {
  if (!contactId) {
    return null
  }
  const row = await db.first(`SELECT preferred_channel FROM flows_contact WHERE id = ? AND deleted_at IS NULL`, [contactId])
  return (row?.preferred_channel as ChannelName | null) ?? null
}

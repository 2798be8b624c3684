import { newId } from "./ids"
import type { Identity } from "../types"
import { Database, json, type Row } from "./database"
import type { ChannelName, ConsentEvidenceState, EmailConsentState } from "../../../engine/constants"

export function normalizeEmail(email: string | null | undefined): string | null {
  return email?.trim().toLowerCase() || null
}

/**
 * Finds or creates the contact for an identity and fills in what we did not know. Email is the key (a
 * guest has no customer id); without one we fall back to the customer id, then the phone. What a
 * contact already has is never overwritten: events and forms come from anyone who types an address.
 * The one exception is the zone of the address, which follows the latest address (people move), and
 * which only ever times messages.
 */
export async function upsertContact(db: Database, identity: Identity, now: Date): Promise<string | null> {
  const email = normalizeEmail(identity.email)
  const values = [
    identity.phone ?? null,
    identity.customer_id ?? null,
    identity.first_name ?? null,
    identity.last_name ?? null,
    identity.timezone ?? null,
    identity.address_timezone ?? null,
  ]
  if (email) {
    const row = await db.first(
      `INSERT INTO flows_contact (id, email, phone, customer_id, first_name, last_name, timezone, address_timezone, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (email) WHERE email IS NOT NULL AND deleted_at IS NULL DO UPDATE SET
         phone = COALESCE(flows_contact.phone, EXCLUDED.phone),
         customer_id = COALESCE(flows_contact.customer_id, EXCLUDED.customer_id),
         first_name = COALESCE(flows_contact.first_name, EXCLUDED.first_name),
         last_name = COALESCE(flows_contact.last_name, EXCLUDED.last_name),
         timezone = COALESCE(flows_contact.timezone, EXCLUDED.timezone),
         address_timezone = COALESCE(EXCLUDED.address_timezone, flows_contact.address_timezone),
         updated_at = EXCLUDED.updated_at
       RETURNING id`,
      [newId("flowcon"), email, ...values, now, now]
    )
    return row!.id
  }
  const existing = await db.first(
    `SELECT id FROM flows_contact WHERE deleted_at IS NULL AND (customer_id = ? OR phone = ?)
     ORDER BY created_at LIMIT 1`,
    [identity.customer_id ?? null, identity.phone ?? null]
  )
  if (existing) {
    if (identity.address_timezone) {
      await db.rows(`UPDATE flows_contact SET address_timezone = ?, updated_at = ? WHERE id = ?`, [
        identity.address_timezone,
        now,
        existing.id,
      ])
    }
    return existing.id
  }
  if (!identity.customer_id && !identity.phone) {
    return null
  }
  const created = await db.first(
    `INSERT INTO flows_contact (id, email, phone, customer_id, first_name, last_name, timezone, address_timezone, created_at, updated_at)
     VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [newId("flowcon"), ...values, now, now]
  )
  return created!.id
}

/** The contacts that hold a number, for the timeline of a STOP or START from it. */
export async function contactsWithPhone(db: Database, phone: string): Promise<string[]> {
  const rows = await db.rows(`SELECT id FROM flows_contact WHERE phone = ? AND deleted_at IS NULL ORDER BY created_at LIMIT 100`, [phone])
  return rows.map((row) => row.id as string)
}

export type TimelineEntry = {
  contact_id: string
  type: string
  occurred_at: Date
  dedupe_key?: string | null
  flow_id?: string | null
  run_id?: string | null
  message_id?: string | null
  data?: Record<string, unknown> | null
}

/** Adds timeline entries once, in one statement: a redelivered event with the same dedupe key is ignored. */
export async function addTimelineEntries(db: Database, entries: TimelineEntry[]): Promise<void> {
  if (!entries.length) {
    return
  }
  await db.bulkRows(
    `INSERT INTO flows_contact_event (id, contact_id, type, occurred_at, dedupe_key, flow_id, run_id,
       message_id, data, created_at, updated_at)
     VALUES ${entries.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)").join(", ")}
     ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND deleted_at IS NULL DO NOTHING`,
    entries.flatMap((entry) => [
      newId("flowevt"),
      entry.contact_id,
      entry.type,
      entry.occurred_at,
      entry.dedupe_key ?? null,
      entry.flow_id ?? null,
      entry.run_id ?? null,
      entry.message_id ?? null,
      json(entry.data),
      entry.occurred_at,
      entry.occurred_at,
    ])
  )
}

/** Adds a timeline entry once: a redelivered event with the same dedupe key is ignored. */
export async function addTimelineEntry(db: Database, entry: TimelineEntry): Promise<void> {
  await addTimelineEntries(db, [entry])
}

export type EngagementSinceRun = { opened: boolean; clicked: boolean; ordered: boolean }

/**
 * What each run's contact did since the run started, the facts behind engagement conditions: for many
 * runs in one statement.
 */
export async function engagementSinceRuns(
  db: Database,
  runs: { id: string; contact_id: string | null; created_at: Date | string }[]
): Promise<Map<string, EngagementSinceRun>> {
  const withContact = runs.filter((run) => run.contact_id)
  const found = new Map<string, EngagementSinceRun>()
  if (withContact.length) {
    const rows = await db.rows(
      `SELECT r.run_id,
         COALESCE(bool_or(e.type = 'email.opened' AND e.run_id = r.run_id), false) AS opened,
         COALESCE(bool_or(e.type = 'email.clicked' AND e.run_id = r.run_id), false) AS clicked,
         COALESCE(bool_or(e.type = 'order.placed'), false) AS ordered
       FROM (VALUES ${withContact.map(() => "(?, ?, ?::timestamptz)").join(", ")}) AS r(run_id, contact_id, since)
         LEFT JOIN flows_contact_event e
           ON e.contact_id = r.contact_id AND e.occurred_at >= r.since AND e.deleted_at IS NULL
       GROUP BY r.run_id`,
      withContact.flatMap((run) => [run.id, run.contact_id, new Date(run.created_at)])
    )
    for (const row of rows) {
      found.set(row.run_id, { opened: Boolean(row.opened), clicked: Boolean(row.clicked), ordered: Boolean(row.ordered) })
    }
  }
  return new Map(runs.map((run) => [run.id, found.get(run.id) ?? { opened: false, clicked: false, ordered: false }]))
}

/** What sending needs of a contact: consent, time zone and name. */
const CONSENT_COLUMNS = "email_consent, timezone, address_timezone, unsubscribed_flows, first_name, last_name"

/**
 * The consent and name columns of many contacts, in one statement. With `lock`, the rows stay locked (taken
 * in id order) until the caller's transaction ends: decisions that count a person's messages go one at a time.
 */
export async function consentsOf(db: Database, contactIds: string[], { lock = false } = {}): Promise<Map<string, Row>> {
  const ids = [...new Set(contactIds)]
  if (!ids.length) {
    return new Map()
  }
  const rows = await db.rows(
    `SELECT id, ${CONSENT_COLUMNS} FROM flows_contact WHERE id IN (?) AND deleted_at IS NULL${lock ? " ORDER BY id FOR UPDATE" : ""}`,
    [ids]
  )
  return new Map(rows.map((row) => [row.id, row]))
}

/** `consentsOf` for one contact: its row, or null. */
export async function consentOf(db: Database, contactId: string | null): Promise<Row | null> {
  return contactId ? ((await consentsOf(db, [contactId])).get(contactId) ?? null) : null
}

/** Records an email consent decision for a contact, found by id or by address. */
export async function setEmailConsent(
  db: Database,
  where: { id: string } | { email: string },
  state: Exclude<EmailConsentState, "unknown">,
  now: Date
): Promise<void> {
  const [column, value] = "id" in where ? ["id", where.id] : ["email", normalizeEmail(where.email)]
  await db.rows(
    `UPDATE flows_contact SET email_consent = ?, email_consent_at = ?, updated_at = ?
     WHERE ${column} = ? AND deleted_at IS NULL`,
    [state, now, now, value]
  )
}

/** Keeps the contact's latest order time; an older event delivered late does not move it back. */
export async function noteOrderPlaced(db: Database, contactId: string, orderedAt: Date, now: Date = orderedAt) {
  await db.rows(`UPDATE flows_contact SET last_order_at = GREATEST(last_order_at, ?), updated_at = ? WHERE id = ?`, [
    orderedAt,
    now,
    contactId,
  ])
}

/** Contacts whose last order falls in [from, to), oldest first: the people who just went quiet. */
export async function contactsLastOrderedBetween(db: Database, from: Date, to: Date, limit: number, offset: number) {
  return await db.rows(
    `SELECT id, customer_id, email, phone, first_name, last_name, last_order_at FROM flows_contact
     WHERE last_order_at >= ? AND last_order_at < ? AND deleted_at IS NULL
     ORDER BY last_order_at, id LIMIT ? OFFSET ?`,
    [from, to, limit, offset]
  )
}

/**
 * Keeps proof of a consent decision: a storefront form (with the client's IP and user agent) or a text
 * such as STOP or YES.
 */
export async function addConsentEvidence(
  db: Database,
  evidence: {
    contact_id: string
    channel: ChannelName
    state: ConsentEvidenceState
    /** The address or number the decision is about. */
    recipient: string
    source: string
    text: string
    ip?: string | null
    user_agent?: string | null
  },
  now: Date
): Promise<void> {
  await db.rows(
    `INSERT INTO flows_consent_evidence (id, contact_id, channel, state, recipient, source, text, ip, user_agent,
       created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      newId("flowcev"),
      evidence.contact_id,
      evidence.channel,
      evidence.state,
      evidence.recipient,
      evidence.source,
      evidence.text,
      evidence.ip ?? null,
      evidence.user_agent ?? null,
      now,
      now,
    ]
  )
}

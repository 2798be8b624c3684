import type { ChannelName } from "../../../engine/constants"
import type { FlowDefinition } from "../../../engine"
import type { CountedSend } from "../../../engine/smart-sending"
import { keepRecentlyUsed } from "../recently-used"
import { NOT_COUNTED_FOR_CAP } from "./message-statuses"
import type { Database } from "./database"

/** Most counted messages read for one decision: far more than any sensible cap allows in its window. */
const MAX_RECENT = 500
/** Most active runs of one person weighed as rivals. */
const MAX_RUNS = 100

/**
 * Each contact's flow messages counted toward the caps since `since`, newest first, with the priority of
 * their flow: out, going out or perhaps out; exempt ones and messages outside flows are not counted.
 */
export async function countedSendsOf(db: Database, contactIds: string[], since: Date): Promise<Map<string, CountedSend[]>> {
  const byContact = new Map<string, CountedSend[]>()
  if (!contactIds.length) {
    return byContact
  }
  // Matched per contact as in engagementCountsOf (sql/engagement.ts), so that only the (contact_id,
  // created_at) index serves it while the table's statistics are stale.
  const rows = await db.rows(
    `SELECT m.contact_id, m.created_at, m.channel, m.flow_id, f.priority
     FROM unnest(ARRAY[?]::text[]) AS c(id)
     CROSS JOIN LATERAL (
       SELECT contact_id, created_at, channel, flow_id FROM flows_message
       WHERE contact_id = c.id AND (contact_id, created_at) > (c.id, ?::timestamptz)
         AND run_id IS NOT NULL AND NOT exempt AND status NOT IN (?) AND deleted_at IS NULL
       ORDER BY created_at DESC
       LIMIT ${MAX_RECENT}
     ) m
     LEFT JOIN flows_flow f ON f.id = m.flow_id
     ORDER BY m.created_at DESC`,
    [[...new Set(contactIds)], since, NOT_COUNTED_FOR_CAP]
  )
  for (const row of rows) {
    const sends = byContact.get(row.contact_id) ?? byContact.set(row.contact_id, []).get(row.contact_id)!
    sends.push({ at: new Date(row.created_at), channel: row.channel as ChannelName, flow_id: row.flow_id, priority: row.priority ?? 0 })
  }
  return byContact
}

export type ActiveRunOfContact = {
  id: string
  flow_id: string
  step_id: string | null
  step_entered_at: Date
  next_run_at: Date | null
  email: string | null
  phone: string | null
  priority: number
  definition: FlowDefinition
}

/**
 * Each contact's active runs, each with the definition of its version and its flow's priority. Definitions
 * come from `definitionsOf`, which keeps them: versions never change, and reading them with every run
 * would move whole email templates for each message.
 */
export async function activeRunsOfContacts(db: Database, contactIds: string[]): Promise<Map<string, ActiveRunOfContact[]>> {
  const byContact = new Map<string, ActiveRunOfContact[]>()
  if (!contactIds.length) {
    return byContact
  }
  const rows = await db.rows(
    `SELECT * FROM (
       SELECT r.id, r.contact_id, r.flow_id, r.flow_version_id, r.step_id, r.step_entered_at, r.next_run_at, r.email,
         r.phone, f.priority, row_number() OVER (PARTITION BY r.contact_id ORDER BY r.next_run_at NULLS LAST) AS nth
       FROM flows_run r
         LEFT JOIN flows_flow f ON f.id = r.flow_id
       WHERE r.contact_id IN (?) AND r.status = 'active' AND r.deleted_at IS NULL
     ) active
     WHERE nth <= ${MAX_RUNS}
     ORDER BY next_run_at NULLS LAST`,
    [[...new Set(contactIds)]]
  )
  const definitions = await definitionsOf(
    db,
    rows.map((row) => row.flow_version_id)
  )
  for (const row of rows.filter((row) => definitions.has(row.flow_version_id))) {
    const runs = byContact.get(row.contact_id) ?? byContact.set(row.contact_id, []).get(row.contact_id)!
    runs.push({
      id: row.id,
      flow_id: row.flow_id,
      step_id: row.step_id,
      step_entered_at: new Date(row.step_entered_at),
      next_run_at: row.next_run_at ? new Date(row.next_run_at) : null,
      email: row.email,
      phone: row.phone,
      priority: row.priority ?? 0,
      definition: definitions.get(row.flow_version_id) as FlowDefinition,
    })
  }
  return byContact
}

/**
 * Definitions of flow versions, read once per process: a version never changes after it is created. The
 * KEPT_VERSIONS used last are kept, so the versions every drain uses stay however many others come and go.
 */
export const KEPT_VERSIONS = 500
const keptDefinitions = new Map<string, FlowDefinition>()

export async function definitionsOf(db: Database, versionIds: string[]): Promise<Map<string, FlowDefinition>> {
  const found = new Map<string, FlowDefinition>()
  const missing: string[] = []
  for (const id of new Set(versionIds)) {
    const kept = keptDefinitions.get(id)
    if (kept) {
      found.set(id, kept)
    } else {
      missing.push(id)
    }
  }
  if (missing.length) {
    for (const row of await db.rows(`SELECT id, definition FROM flows_flow_version WHERE id IN (?)`, [missing])) {
      found.set(row.id, row.definition as FlowDefinition)
    }
  }
  for (const [id, definition] of found) {
    keepRecentlyUsed(keptDefinitions, id, definition, KEPT_VERSIONS)
  }
  return found
}

/** A flow's priority; a deleted flow ranks lowest. */
export async function flowPriority(db: Database, flowId: string): Promise<number> {
  const row = await db.first(`SELECT priority FROM flows_flow WHERE id = ?`, [flowId])
  return row?.priority ?? 0
}

import type { ChannelName } from "../../../engine/constants"
import type { FlowDefinition } from "../../../engine"
import { COUNTED_FOR_CAP } from "./message-statuses"
import type { Database } from "./database"

/** Most counted messages read for one decision: far more than any sensible cap allows in its window. */
const MAX_RECENT = 500
/** Most active runs of one person weighed as rivals. */
const MAX_RUNS = 100

/**
 * The contact's flow messages counted toward the caps since `since`, newest first, with the priority of
 * their flow: out, going out or perhaps out; exempt ones and messages outside flows are not counted.
 */
export async function countedSendsSince(db: Database, contactId: string, since: Date) {
  const rows = await db.rows(
    `SELECT m.created_at, m.channel, m.flow_id, f.priority
     FROM flows_message m LEFT JOIN flows_flow f ON f.id = m.flow_id
     WHERE m.contact_id = ? AND m.run_id IS NOT NULL AND NOT m.exempt AND m.status IN (?)
       AND m.created_at > ? AND m.deleted_at IS NULL
     ORDER BY m.created_at DESC LIMIT ${MAX_RECENT}`,
    [contactId, COUNTED_FOR_CAP, since]
  )
  return rows.map((row) => ({
    at: new Date(row.created_at),
    channel: row.channel as ChannelName,
    flow_id: row.flow_id as string,
    priority: row.priority ?? 0,
  }))
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
 * The contact's active runs, each with the definition of its version and its flow's priority. Definitions
 * come from `definitionsOf`, which keeps them: versions never change, and reading them with every run
 * would move whole email templates for each message.
 */
export async function activeRunsOfContact(db: Database, contactId: string): Promise<ActiveRunOfContact[]> {
  const rows = await db.rows(
    `SELECT r.id, r.flow_id, r.flow_version_id, r.step_id, r.step_entered_at, r.next_run_at, r.email, r.phone, f.priority
     FROM flows_run r
       LEFT JOIN flows_flow f ON f.id = r.flow_id
     WHERE r.contact_id = ? AND r.status = 'active' AND r.deleted_at IS NULL
     ORDER BY r.next_run_at NULLS LAST LIMIT ${MAX_RUNS}`,
    [contactId]
  )
  const definitions = await definitionsOf(
    db,
    rows.map((row) => row.flow_version_id)
  )
  return rows
    .filter((row) => definitions.has(row.flow_version_id))
    .map((row) => ({
      id: row.id,
      flow_id: row.flow_id,
      step_id: row.step_id,
      step_entered_at: new Date(row.step_entered_at),
      next_run_at: row.next_run_at ? new Date(row.next_run_at) : null,
      email: row.email,
      phone: row.phone,
      priority: row.priority ?? 0,
      definition: definitions.get(row.flow_version_id) as FlowDefinition,
    }))
}

/** Definitions of flow versions, read once per process: a version never changes after it is created. */
const KEPT_VERSIONS = 500
const keptDefinitions = new Map<string, FlowDefinition>()

export async function definitionsOf(db: Database, versionIds: string[]): Promise<Map<string, FlowDefinition>> {
  const wanted = [...new Set(versionIds)]
  const missing = wanted.filter((id) => !keptDefinitions.has(id))
  if (missing.length) {
    for (const row of await db.rows(`SELECT id, definition FROM flows_flow_version WHERE id IN (?)`, [missing])) {
      if (keptDefinitions.size >= KEPT_VERSIONS) {
        keptDefinitions.delete(keptDefinitions.keys().next().value as string)
      }
      keptDefinitions.set(row.id, row.definition as FlowDefinition)
    }
  }
  return new Map(wanted.flatMap((id) => (keptDefinitions.has(id) ? [[id, keptDefinitions.get(id) as FlowDefinition] as const] : [])))
}

/** A flow's priority; a deleted flow ranks lowest. */
export async function flowPriority(db: Database, flowId: string): Promise<number> {
  const row = await db.first(`SELECT priority FROM flows_flow WHERE id = ?`, [flowId])
  return row?.priority ?? 0
}

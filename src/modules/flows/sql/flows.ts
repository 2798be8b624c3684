import { generateEntityId } from "@medusajs/framework/utils"
import { triggerEvents, type FlowDefinition } from "../../../engine"
import type { FlowStatus } from "../../../engine/constants"
import { Database, json } from "./database"

export async function insertFlow(
  db: Database,
  flow: { name: string; description: string | null; handle: string | null; status: FlowStatus; trigger_event: string; definition: unknown },
  now: Date
): Promise<string> {
  const flowId = generateEntityId(undefined, "flow")
  const versionId = await insertVersion(db, flowId, 1, flow.definition, now)
  await db.rows(
    `INSERT INTO flows_flow (id, name, description, handle, status, trigger_event, definition, version,
       current_version_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, 1, ?, ?, ?)`,
    [flowId, flow.name, flow.description, flow.handle, flow.status, flow.trigger_event, json(flow.definition), versionId, now, now]
  )
  return flowId
}

export async function insertVersion(
  db: Database,
  flowId: string,
  version: number,
  definition: unknown,
  now: Date
): Promise<string> {
  const id = generateEntityId(undefined, "flowver")
  await db.rows(
    `INSERT INTO flows_flow_version (id, flow_id, version, definition, created_at, updated_at)
     VALUES (?, ?, ?, ?::jsonb, ?, ?)`,
    [id, flowId, version, json(definition), now, now]
  )
  return id
}

/** Reads a flow and locks it for the rest of the transaction, so two edits cannot both make version N+1. */
export async function lockFlow(db: Database, id: string) {
  return await db.first(
    `SELECT id, name, description, status, definition, version, current_version_id
     FROM flows_flow WHERE id = ? AND deleted_at IS NULL FOR UPDATE`,
    [id]
  )
}

/** The trigger events as the flows_flow.trigger_event column keeps them: comma-separated. */
export function triggerEventColumn(definition: Pick<FlowDefinition, "trigger">): string {
  return triggerEvents(definition).join(",")
}

export async function activeFlowsTriggeredBy(db: Database, triggerEvent: string) {
  return await db.rows(
    `SELECT id, name, current_version_id, definition FROM flows_flow
     WHERE status = 'active' AND ? = ANY(string_to_array(trigger_event, ',')) AND deleted_at IS NULL`,
    [triggerEvent]
  )
}

export async function countActiveRunsOnOtherVersions(db: Database, flowId: string, versionId: string) {
  const row = await db.first(
    `SELECT count(*)::int AS n FROM flows_run
     WHERE flow_id = ? AND flow_version_id <> ? AND status = 'active' AND deleted_at IS NULL`,
    [flowId, versionId]
  )
  return row?.n ?? 0
}

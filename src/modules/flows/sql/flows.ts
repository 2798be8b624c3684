import { triggerEvents, type FlowDefinition } from "../../../engine"
import type { Database, Row } from "./database"

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

/** Every active flow with the events it is triggered by, for a batch of events that reads them once. */
export async function activeFlowsWithTriggers(db: Database) {
  const rows = await db.rows(
    `SELECT id, name, current_version_id, definition, trigger_event FROM flows_flow
     WHERE status = 'active' AND deleted_at IS NULL`
  )
  return rows.map(({ trigger_event, ...flow }): Row & { triggers: string[] } => ({
    ...flow,
    triggers: String(trigger_event ?? "").split(","),
  }))
}

export async function countActiveRunsOnOtherVersions(db: Database, flowId: string, versionId: string) {
  const row = await db.first(
    `SELECT count(*)::int AS n FROM flows_run
     WHERE flow_id = ? AND flow_version_id <> ? AND status = 'active' AND deleted_at IS NULL`,
    [flowId, versionId]
  )
  return row?.n ?? 0
}

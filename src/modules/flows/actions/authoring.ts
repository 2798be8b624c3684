import { isDeepStrictEqual } from "node:util"
import { MedusaError } from "@medusajs/framework/utils"
import { describeTemplateIssues, FlowDefinitionError, parseFlowDefinition, templateIssuesOf, type FlowDefinition, type FlowStatus } from "../../../engine"
import { BUILT_IN_FLOWS } from "../built-in"
import * as flowSql from "../sql/flows"
import * as runSql from "../sql/runs"
import type { ModuleContext } from "./context"

export type FlowInput = {
  name: string
  description?: string | null
  handle?: string | null
  definition: unknown
}

/** Validates a definition and every template in it, as a 400 that names what is wrong. */
function definitionToSave(input: unknown): FlowDefinition {
  let definition: FlowDefinition
  try {
    definition = parseFlowDefinition(input)
  } catch (error) {
    if (error instanceof FlowDefinitionError) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, error.message)
    }
    throw error
  }
  const issues = templateIssuesOf(definition)
  if (issues.length) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `Invalid template: ${describeTemplateIssues(issues)}`)
  }
  return definition
}


export async function createFlowWithDefinition(ctx: ModuleContext, input: FlowInput & { status?: FlowStatus }) {
  const definition = definitionToSave(input.definition)
  const id = await ctx.db.transaction((tx) =>
    flowSql.insertFlow(
      tx,
      {
        name: input.name,
        description: input.description ?? null,
        handle: input.handle ?? null,
        status: input.status ?? "draft",
        trigger_event: flowSql.triggerEventColumn(definition),
        definition,
      },
      new Date()
    )
  )
  return await ctx.service.retrieveFlow(id, {}, ctx.shared)
}

/**
 * Creates the built-in flows that this database has never had, as drafts. A flow the owner deleted
 * is not brought back; a lock keeps two processes starting together from both creating one.
 */
export async function seedBuiltInFlows(ctx: ModuleContext): Promise<string[]> {
  return await ctx.db.transaction(async (tx) => {
    await tx.rows(`SELECT pg_advisory_xact_lock(hashtext('medusa-plugin-flows:seed'))`)
    const handles = BUILT_IN_FLOWS.map((flow) => flow.handle)
    const known = await tx.rows(`SELECT handle FROM flows_flow WHERE handle IN (?)`, [handles])
    const missing = BUILT_IN_FLOWS.filter((flow) => !known.some((row) => row.handle === flow.handle))
    for (const flow of missing) {
      const definition = definitionToSave(flow.definition)
      await flowSql.insertFlow(
        tx,
        { ...flow, status: "draft", trigger_event: flowSql.triggerEventColumn(definition), definition },
        new Date()
      )
    }
    return missing.map((flow) => flow.handle)
  })
}

/**
 * Saves edits. A changed definition becomes a new version; runs already in the flow stay on
 * the version they entered with, so an edit never moves them to a step that may not exist.
 */
export async function editFlow(ctx: ModuleContext, id: string, input: Partial<FlowInput>) {
  const definition = input.definition === undefined ? undefined : definitionToSave(input.definition)
  const now = new Date()
  const result = await ctx.db.transaction(async (tx) => {
    const flow = await flowSql.lockFlow(tx, id)
    if (!flow) {
      throw new MedusaError(MedusaError.Types.NOT_FOUND, `Flow with id "${id}" not found`)
    }
    let version = flow.version as number
    let versionId = flow.current_version_id as string
    const changed = definition && !isDeepStrictEqual(definition, flow.definition)
    if (changed) {
      version += 1
      versionId = await flowSql.insertVersion(tx, id, version, definition, now)
    }
    await tx.rows(
      `UPDATE flows_flow SET name = ?, description = ?, definition = ?::jsonb, trigger_event = ?,
         version = ?, current_version_id = ?, updated_at = ?
       WHERE id = ?`,
      [
        input.name ?? flow.name,
        input.description === undefined ? flow.description : input.description,
        JSON.stringify(definition ?? flow.definition),
        flowSql.triggerEventColumn(definition ?? (flow.definition as FlowDefinition)),
        version,
        versionId,
        now,
        id,
      ]
    )
    const runsOnOlderVersions = changed
      ? await flowSql.countActiveRunsOnOtherVersions(tx, id, versionId)
      : 0
    return { new_version: Boolean(changed), runs_on_previous_versions: runsOnOlderVersions }
  })
  return { flow: await ctx.service.retrieveFlow(id, {}, ctx.shared), ...result }
}

export async function setFlowStatus(ctx: ModuleContext, id: string, status: FlowStatus) {
  await ctx.service.retrieveFlow(id, {}, ctx.shared)
  await ctx.service.updateFlows({ id, status }, ctx.shared)
  return await ctx.service.retrieveFlow(id, {}, ctx.shared)
}

/** Deletes a flow and ends its runs; its messages stay in the log. */
export async function removeFlow(ctx: ModuleContext, id: string): Promise<void> {
  await ctx.service.retrieveFlow(id, {}, ctx.shared)
  const now = new Date()
  await ctx.db.transaction(async (tx) => {
    const active = await tx.rows(`SELECT id FROM flows_run WHERE flow_id = ? AND status = 'active'`, [id])
    await runSql.endRuns(tx, active.map((r) => r.id), "exited", "flow_deleted", now)
    await tx.rows(`UPDATE flows_flow SET deleted_at = ?, status = 'paused' WHERE id = ?`, [now, id])
  })
}

import { isDeepStrictEqual } from "node:util"
import { MedusaError } from "@medusajs/framework/utils"
import {
  describeTemplateIssues,
  FlowDefinitionError,
  parseFlowDefinition,
  templateIssuesOf,
  templatesOf,
  type FlowDefinition,
  type FlowStatus,
  walkSteps,
} from "../../../engine"
import { BUILT_IN_FLOWS } from "../built-in"
import { compileBlocks } from "../email/compile"
import * as experimentSql from "../sql/experiments"
import * as flowSql from "../sql/flows"
import { assertSplitVariant } from "./experiments"
import * as runSql from "../sql/runs"
import type { ModuleContext } from "./context"

export type FlowInput = {
  name: string
  description?: string | null
  handle?: string | null
  /** How the flow ranks when its messages compete with another flow's; default 50. */
  priority?: number
  definition: unknown
}

/**
 * Validates a definition and every template in it, as a 400 that names what is wrong. Emails built from
 * blocks get their HTML compiled here, once, so the saved version carries what is sent.
 */
async function definitionToSave(input: unknown): Promise<FlowDefinition> {
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
  const compiling: Promise<void>[] = []
  walkSteps(definition.steps, (step) => {
    const email = templatesOf(step).email
    const blocks = email?.template.blocks
    if (email && blocks) {
      compiling.push(
        compileBlocks(blocks).then(
          (html) => void (email.template.html = html),
          (error: Error) => {
            throw new MedusaError(
              MedusaError.Types.INVALID_DATA,
              `Invalid template: steps.${step.id}.${email.prefix}blocks: ${error.message}`
            )
          }
        )
      )
    }
  })
  await Promise.all(compiling)
  return definition
}

/**
 * Creates a flow with its first version. The generated CRUD writes the rows; the caller's transaction
 * (the facade opens one) makes the flow and its version appear together.
 */
export async function createFlowWithDefinition(ctx: ModuleContext, input: FlowInput & { status?: FlowStatus }) {
  const definition = await definitionToSave(input.definition)
  const id = await insertFlow(ctx, { ...input, status: input.status ?? "draft" }, definition)
  return await ctx.service.retrieveFlow(id, {}, ctx.shared)
}

async function insertFlow(ctx: ModuleContext, input: FlowInput & { status: FlowStatus }, definition: FlowDefinition) {
  const flow = await ctx.service.createFlows(
    {
      name: input.name,
      description: input.description ?? null,
      handle: input.handle ?? null,
      ...(input.priority !== undefined && { priority: input.priority }),
      status: input.status,
      trigger_event: flowSql.triggerEventColumn(definition),
      definition: asJson(definition),
      version: 1,
    },
    ctx.shared
  )
  const version = await ctx.service.createFlowVersions({ flow_id: flow.id, version: 1, definition: asJson(definition) }, ctx.shared)
  await ctx.service.updateFlows({ id: flow.id, current_version_id: version.id }, ctx.shared)
  return flow.id
}

/**
 * Creates the built-in flows that this database has never had, as drafts. A flow the owner deleted
 * is not brought back; a lock keeps two processes starting together from both creating one.
 */
export async function seedBuiltInFlows(ctx: ModuleContext): Promise<string[]> {
  await ctx.db.rows(`SELECT pg_advisory_xact_lock(hashtext('medusa-plugin-flows:seed'))`)
  const handles = BUILT_IN_FLOWS.map((flow) => flow.handle)
  const known = await ctx.service.listFlows({ handle: handles }, { select: ["handle"], withDeleted: true }, ctx.shared)
  const missing = BUILT_IN_FLOWS.filter((flow) => !known.some((row) => row.handle === flow.handle))
  for (const flow of missing) {
    await insertFlow(ctx, { ...flow, status: "draft" }, await definitionToSave(flow.definition))
  }
  return missing.map((flow) => flow.handle)
}

/**
 * Saves edits. A changed definition becomes a new version; runs already in the flow stay on
 * the version they entered with, so an edit never moves them to a step that may not exist.
 */
export async function editFlow(ctx: ModuleContext, id: string, input: Partial<FlowInput>) {
  const definition = input.definition === undefined ? undefined : await definitionToSave(input.definition)
  // Locked for the rest of the transaction, so two edits cannot both make version N+1.
  const flow = await flowSql.lockFlow(ctx.db, id)
  if (!flow) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Flow with id "${id}" not found`)
  }
  const changed = Boolean(definition && !isDeepStrictEqual(definition, flow.definition))
  const version = changed
    ? await ctx.service.createFlowVersions({ flow_id: id, version: flow.version + 1, definition: asJson(definition) }, ctx.shared)
    : null
  await ctx.service.updateFlows(
    {
      id,
      name: input.name ?? flow.name,
      description: input.description === undefined ? flow.description : input.description,
      ...(input.priority !== undefined && { priority: input.priority }),
      ...(version && {
        definition: asJson(definition),
        trigger_event: flowSql.triggerEventColumn(definition!),
        version: version.version,
        current_version_id: version.id,
      }),
    },
    ctx.shared
  )
  const runsOnOlderVersions = version ? await flowSql.countActiveRunsOnOtherVersions(ctx.db, id, version.id) : 0
  return {
    flow: await ctx.service.retrieveFlow(id, {}, ctx.shared),
    new_version: changed,
    runs_on_previous_versions: runsOnOlderVersions,
  }
}

export type PromotionInput = {
  flow_id: string
  split_id: string
  variant: string
  /** Who or what promoted it: "user:<id>" from the admin, "auto-promote" from the job. */
  by: string
  /** The evidence at the time, kept on the version: probability to be best, recipients. */
  evidence?: Record<string, unknown>
}

/**
 * Promotes a split's variant: a new version whose split sends every run to it, recording who or what
 * promoted it. Active runs on the version it was promoted from that have not reached the split move to the
 * new version and take the winner; runs already past the split stay where they are. Promoting a split
 * that already has a winner is refused (409), so the job and a person cannot both promote.
 */
export async function promoteSplitWinner(ctx: ModuleContext, input: PromotionInput, now = new Date()) {
  const flow = await flowSql.lockFlow(ctx.db, input.flow_id)
  if (!flow) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Flow with id "${input.flow_id}" not found`)
  }
  const definition = structuredClone(flow.definition) as FlowDefinition
  assertSplitVariant(definition, input.split_id, input.variant)
  walkSteps(definition.steps, (step) => {
    if (step.type === "split" && step.id === input.split_id) {
      if (step.winner) {
        throw new MedusaError(MedusaError.Types.CONFLICT, `Split "${input.split_id}" already has a winner: "${step.winner}"`)
      }
      step.winner = input.variant
    }
  })
  const change = { type: "promote_winner", split_id: input.split_id, variant: input.variant, ...input.evidence }
  const version = await ctx.service.createFlowVersions(
    { flow_id: flow.id, version: flow.version + 1, definition: asJson(definition), created_by: input.by, change },
    ctx.shared
  )
  await ctx.service.updateFlows(
    { id: flow.id, definition: asJson(definition), version: version.version, current_version_id: version.id },
    ctx.shared
  )
  const moved = flow.current_version_id
    ? await experimentSql.moveRunsBeforeSplit(ctx.db, {
        flow_id: flow.id,
        from_version_id: flow.current_version_id,
        to_version_id: version.id,
        split_id: input.split_id,
        now,
      })
    : []
  return {
    flow: await ctx.service.retrieveFlow(flow.id, {}, ctx.shared),
    version: { id: version.id, version: version.version, created_by: input.by, change },
    runs_moved_to_winner: moved.length,
  }
}

export async function setFlowStatus(ctx: ModuleContext, id: string, status: FlowStatus) {
  await ctx.service.retrieveFlow(id, { select: ["id"] }, ctx.shared)
  await ctx.service.updateFlows({ id, status }, ctx.shared)
  return await ctx.service.retrieveFlow(id, {}, ctx.shared)
}

/** Deletes a flow and ends its runs; its messages stay in the log. A deleted flow is left paused. */
export async function removeFlow(ctx: ModuleContext, id: string): Promise<void> {
  await ctx.service.retrieveFlow(id, { select: ["id"] }, ctx.shared)
  const now = new Date()
  const active = await ctx.service.listFlowRuns({ flow_id: id, status: "active" }, { select: ["id"] }, ctx.shared)
  await runSql.endRuns(
    ctx.db,
    active.map((run) => run.id),
    "exited",
    "flow_deleted",
    now
  )
  await ctx.service.updateFlows({ id, status: "paused" }, ctx.shared)
  await ctx.service.softDeleteFlows([id], {}, ctx.shared)
}

/** The DML json columns take plain records; a definition is one. */
function asJson(definition: FlowDefinition | undefined): Record<string, unknown> {
  return definition as unknown as Record<string, unknown>
}

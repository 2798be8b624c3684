import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { decide, nextStepId, type FlowDefinition, type RunState, type TrailEntry } from "../../engine"
import { FLOWS_MODULE } from "../../modules/flows"
import type FlowsModuleService from "../../modules/flows/service"
import type { RunRow } from "../../modules/flows/types"
import { renderStep } from "./render-step"
import { loadFacts } from "../store/load-facts"
import { processStoreEvents } from "../store/process-store-events"

/** Sends and instant steps one tick may pass through before it must reach a wait or the end. */
const MAX_STEPS_PER_TICK = 100
const RUNS_AT_ONCE = 5

export type TickResult = { claimed: number; failed: number }

/** Claims the runs that are due and moves each one as far as it can go now. */
export async function runDueSteps(container: MedusaContainer, now: Date = new Date()): Promise<TickResult> {
  await processStoreEvents(container) // Store events first: an order placed ends its runs before they are claimed.
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  const runs = await flows.claimDueRuns(now)
  let failed = 0
  // Runs are independent, so a few go at once; that also lets identical emails share a request.
  for (let i = 0; i < runs.length; i += RUNS_AT_ONCE) {
    await Promise.all(
      runs.slice(i, i + RUNS_AT_ONCE).map(async (run) => {
        try {
          await advanceRun(container, flows, run, now)
        } catch (error) {
          failed += 1
          await handleRunError(container, flows, run, error as Error, now)
        }
      })
    )
  }
  return { claimed: runs.length, failed }
}

async function advanceRun(container: MedusaContainer, flows: FlowsModuleService, run: RunRow, now: Date) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const version = await flows.retrieveFlowVersion(run.flow_version_id)
  const definition = version.definition as unknown as FlowDefinition
  const { engagement, timezone, person } = await flows.personFacts(run, now)
  const facts = await loadFacts(query, run)
  facts.customer ??= person
  const { timeScale } = flows.getOptions().scheduler
  let state: RunState = {
    id: run.id,
    step_id: run.step_id,
    step_entered_at: new Date(run.step_entered_at),
    timezone,
  }
  const trail: TrailEntry[] = []

  for (let i = 0; i < MAX_STEPS_PER_TICK; i++) {
    const decision = decide(definition, state, { ...facts, engagement }, now, { timeScale })
    trail.push(...decision.trail)
    switch (decision.type) {
      case "wait":
        await flows.parkRun(
          run,
          {
            step_id: decision.step_id,
            step_entered_at: decision.step_entered_at,
            next_run_at: decision.until,
            trail,
          },
          now
        )
        return
      case "exit":
        await flows.finishRun(run, { status: "exited", reason: decision.reason, trail }, now)
        return
      case "complete":
        await flows.finishRun(run, { status: "completed", reason: null, trail }, now)
        return
      case "send": {
        if (run.holdout) {
          // Held out: the run keeps the flow's timing (so it ends when a messaged run would) but is sent nothing.
          trail.push({ step_id: decision.step_id, type: decision.step.type, outcome: "held_out" })
          const after = nextStepId(definition, decision.step_id)
          if (after === null) {
            await flows.finishRun(run, { status: "completed", reason: null, trail }, now)
            return
          }
          state = { ...state, step_id: after, step_entered_at: now }
          break
        }
        const { step } = decision
        // A preferred-channel step picks its channel here, before the send policy and the render.
        const channel =
          step.type === "send_preferred"
            ? (await flows.preferredChannelFor(run, step.id, now)).channel
            : step.type === "send_email"
              ? "email"
              : "sms"
        // Rendered only once the send policy lets the message go: rendering may create a discount code and a link.
        const render = () => renderStep(container, flows, run, decision.step, channel, facts, now)
        const { exempt, when_held } = decision.step
        const outcome = await flows.deliverStepMessage(run, { id: decision.step_id, channel, exempt, when_held }, render, now)
        if (outcome === "lost_claim") {
          return
        }
        if (typeof outcome === "object") {
          trail.push({ step_id: decision.step_id, type: decision.step.type, outcome: outcome.reason })
          await flows.parkRun(run, { step_id: decision.step_id, step_entered_at: now, next_run_at: outcome.deferred_until, trail }, now)
          return
        }
        trail.push({ step_id: decision.step_id, type: decision.step.type, outcome })
        const next = nextStepId(definition, decision.step_id)
        if (next === null) {
          await flows.finishRun(run, { status: "completed", reason: null, trail }, now)
          return
        }
        state = { ...state, step_id: next, step_entered_at: now }
      }
    }
  }
  throw new Error(`run ${run.id} did not reach a wait within ${MAX_STEPS_PER_TICK} steps`)
}

async function handleRunError(container: MedusaContainer, flows: FlowsModuleService, run: RunRow, error: Error, now: Date) {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  logger.error(`medusa-plugin-flows: run ${run.id} failed: ${error.message}`)
  await flows.failRun(run, error.message, now)
}

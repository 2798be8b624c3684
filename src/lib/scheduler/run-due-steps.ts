import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { decide, nextStepId, type FlowDefinition, type RunState, type TrailEntry } from "../../engine"
import { FLOWS_MODULE } from "../../modules/flows"
import type FlowsModuleService from "../../modules/flows/service"
import type { RunRow } from "../../modules/flows/types"
import { loadFactsOfMany, type StoreFacts } from "../store/load-facts"
import { drainCache, type DrainCache } from "./drain-cache"
import { ClaimLeases } from "./claim-leases"
import { renderStep } from "./render-step"
import { processStoreEvents } from "../store/process-store-events"

/** Sends and instant steps one run may pass through before it must reach a wait or the end. */
const MAX_STEPS_PER_RUN = 100

export type TickResult = { claimed: number; failed: number }

/** What a claim's reads found about a run: its flow version's definition, the store's records and the person. */
type KnownFacts = {
  definition: FlowDefinition | undefined
  store: StoreFacts
  person: Awaited<ReturnType<FlowsModuleService["personFacts"]>>
}

export type DrainOptions = {
  /** The time to act at, for tests; without it each write is stamped when it happens. */
  now?: Date
  /** Shared by the drains of one worker process, so flow names and the brand are read once in a while. */
  cache?: DrainCache
  /** Asked before each claim: a worker that shuts down claims nothing more and finishes what it holds. */
  shouldStop?: () => boolean
  /** Awaited before each claim (and the inbox read before it): a process that serves the store lets its requests go first. */
  beforeClaim?: () => Promise<void>
}

/**
 * The drain's clock. Live, each write is stamped with the time it really happens at. A test that gives the
 * time (`now`) gets the scheduler as it would act at that moment: every write carries that time.
 */
function clockFrom(start: Date | undefined): () => Date {
  return start ? () => start : () => new Date()
}

/**
 * Records the store events waiting in the inbox, then moves every due run as far as it can go now, `scheduler.concurrency` runs at a time. A worker claims
 * small batches and claims again as soon as it has room, until nothing is due: it never waits for the next
 * poll while work remains, and several workers share the backlog. Each claim's store data is read in one
 * go, and the leases of the runs in hand are renewed while they are worked on.
 */
export async function runDueSteps(container: MedusaContainer, options: Date | DrainOptions = {}): Promise<TickResult> {
  const { now, cache: givenCache, shouldStop = () => false, beforeClaim } = options instanceof Date ? { now: options } : options
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { concurrency, batchSize } = flows.getOptions().scheduler
  const clock = clockFrom(now)
  const cache = givenCache ?? drainCache(flows)
  const leases = new ClaimLeases(flows, clock)
  const inFlight = new Set<Promise<void>>()
  const result: TickResult = { claimed: 0, failed: 0 }
  // Claim only when a good share of the pool is free: one claim round trip then feeds many runs.
  const claimWhenFree = Math.max(1, Math.min(batchSize, Math.ceil(concurrency / 2)))

  try {
    for (let first = true; !shouldStop(); first = false) {
      const room = concurrency - inFlight.size
      if (room < claimWhenFree && inFlight.size) {
        await Promise.race(inFlight)
        continue
      }
      await beforeClaim?.()
      if (shouldStop()) {
        break
      }
      // A poll that finds nothing costs one read, not the inbox's claim transaction and a run claim.
      if (first && !(await flows.anythingDue(clock()))) {
        break
      }
      // Store events first: an order placed ends its runs before they are claimed.
      await processStoreEvents(container)
      const runs = await flows.claimDueRuns(clock(), room)
      if (!runs.length) {
        if (!inFlight.size) {
          break
        }
        await Promise.race(inFlight)
        continue
      }
      result.claimed += runs.length
      const [definitions, facts, people] = await Promise.all([
        flows.flowDefinitions(runs.map((run) => run.flow_version_id)),
        loadFactsOfMany(query, runs),
        flows.personFactsOfRuns(runs, clock()),
      ])
      for (const run of runs) {
        leases.hold(run)
        const known = { definition: definitions.get(run.flow_version_id), store: facts.get(run.id) ?? {}, person: people.get(run.id)! }
        const work = advanceOrRecordFailure(container, flows, run, known, cache, clock).then((failed) => {
          result.failed += failed ? 1 : 0
          leases.release(run)
          inFlight.delete(work)
        })
        inFlight.add(work)
      }
    }
    await Promise.all(inFlight)
  } finally {
    leases.stop()
  }
  return result
}

/** Moves one run; an unexpected error schedules another attempt. True when the run failed. */
async function advanceOrRecordFailure(
  container: MedusaContainer,
  flows: FlowsModuleService,
  run: RunRow,
  known: KnownFacts,
  cache: DrainCache,
  clock: () => Date
): Promise<boolean> {
  try {
    await advanceRun(container, flows, run, known, cache, clock)
    return false
  } catch (error) {
    const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
    logger.error(`medusa-plugin-flows: run ${run.id} failed: ${(error as Error).message}`)
    await flows.failRun(run, (error as Error).message, clock()).catch((failError: Error) => {
      // The lease runs out and another worker takes the run again.
      logger.error(`medusa-plugin-flows: run ${run.id} could not be rescheduled: ${failError.message}`)
    })
    return true
  }
}

async function advanceRun(
  container: MedusaContainer,
  flows: FlowsModuleService,
  run: RunRow,
  known: KnownFacts,
  cache: DrainCache,
  clock: () => Date
) {
  const { definition } = known
  if (!definition) {
    throw new Error(`flow version ${run.flow_version_id} was not found`)
  }
  const { engagement, timezone, person } = known.person
  const facts = { ...known.store, customer: known.store.customer ?? person }
  const { timeScale } = flows.getOptions().scheduler
  let state: RunState = {
    id: run.id,
    step_id: run.step_id,
    step_entered_at: new Date(run.step_entered_at),
    timezone,
  }
  const trail: TrailEntry[] = []

  for (let i = 0; i < MAX_STEPS_PER_RUN; i++) {
    const now = clock()
    const decision = decide(definition, state, { ...facts, engagement }, now, { timeScale })
    trail.push(...decision.trail)
    switch (decision.type) {
      case "wait":
        await flows.parkRun(
          run,
          { step_id: decision.step_id, step_entered_at: decision.step_entered_at, next_run_at: decision.until, trail },
          clock()
        )
        return
      case "exit":
        await flows.finishRun(run, { status: "exited", reason: decision.reason, trail }, clock())
        return
      case "complete":
        await flows.finishRun(run, { status: "completed", reason: null, trail }, clock())
        return
      case "send": {
        if (run.holdout) {
          // Held out: the run keeps the flow's timing (so it ends when a messaged run would) but is sent nothing.
          trail.push({ step_id: decision.step_id, type: decision.step.type, outcome: "held_out" })
          const after = nextStepId(definition, decision.step_id)
          if (after === null) {
            await flows.finishRun(run, { status: "completed", reason: null, trail }, clock())
            return
          }
          state = { ...state, step_id: after, step_entered_at: now }
          break
        }
        const { step } = decision
        // A preferred-channel step picks its channel here, before the send policy and the render.
        const channel =
          step.type === "send_preferred"
            ? (await flows.preferredChannelFor(run, step.id, clock())).channel
            : step.type === "send_email"
              ? "email"
              : "sms"
        // Rendered only once the send policy lets the message go: rendering may create a discount code and a link.
        const render = () => renderStep(container, flows, run, decision.step, channel, facts, cache, clock())
        const { exempt, when_held } = decision.step
        // A discount code is created, and a text's short link stored, while rendering.
        const render_has_side_effects = Boolean(step.discount) || channel === "sms"
        const outcome = await flows.deliverStepMessage(
          run,
          { id: decision.step_id, channel, exempt, when_held, engagement, render_has_side_effects },
          render,
          clock()
        )
        if (outcome === "lost_claim") {
          return
        }
        if (typeof outcome === "object") {
          trail.push({ step_id: decision.step_id, type: decision.step.type, outcome: outcome.reason })
          await flows.parkRun(
            run,
            { step_id: decision.step_id, step_entered_at: clock(), next_run_at: outcome.deferred_until, trail },
            clock()
          )
          return
        }
        trail.push({ step_id: decision.step_id, type: decision.step.type, outcome })
        const next = nextStepId(definition, decision.step_id)
        if (next === null) {
          await flows.finishRun(run, { status: "completed", reason: null, trail }, clock())
          return
        }
        state = { ...state, step_id: next, step_entered_at: clock() }
      }
    }
  }
  throw new Error(`run ${run.id} did not reach a wait within ${MAX_STEPS_PER_RUN} steps`)
}

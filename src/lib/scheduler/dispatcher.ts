import { performance, type EventLoopUtilization } from "node:perf_hooks"
import { container as appContainer } from "@medusajs/framework"
import type { ConfigModule, MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../modules/flows"
import type FlowsModuleService from "../../modules/flows/service"
import { drainCache } from "./drain-cache"
import { runDueSteps } from "./run-due-steps"

/** The share of its time an event loop may spend working before the process counts as busy with requests. */
const BUSY_ABOVE = 0.5
/** How often a dispatcher that gives way to requests looks again. */
const BUSY_LOOK_MS = 1000

/**
 * One worker process's loop: drain everything due, then sleep `scheduler.pollIntervalMs` (in a `shared`
 * process, and longer while requests keep it busy), again and again. Only processes that run Medusa's
 * background work start it (the scheduled job and the wake subscriber are loaded in `worker` and `shared`
 * mode only), so a `server` process never dispatches. Postgres decides who sends what: the loop only claims.
 */
class Dispatcher {
  private running?: Promise<void>
  private stopped = false
  /** Ends the sleep under way; unset while the loop drains. */
  private wake?: () => void
  /** A wake that came during a drain (an order placed after its last look at the inbox): the next sleep is skipped. */
  private wokenDuringDrain = false

  constructor(
    private readonly container: MedusaContainer,
    private readonly flows: FlowsModuleService
  ) {}

  ensureRunning() {
    if (this.running || this.stopped) {
      return
    }
    this.flows.onShutdown(() => this.stop())
    this.running = this.loop(this.flows)
  }

  private async loop(flows: FlowsModuleService) {
    const logger = this.container.resolve(ContainerRegistrationKeys.LOGGER)
    const cache = drainCache(flows)
    const { workerMode } = this.container.resolve<ConfigModule>(ContainerRegistrationKeys.CONFIG_MODULE).projectConfig
    const { pollIntervalMs, yieldToRequestsMs } = flows.getOptions().scheduler
    const yieldsToRequests = workerMode === "shared" && yieldToRequestsMs > 0
    while (!this.stopped) {
      try {
        await runDueSteps(this.container, { cache, shouldStop: () => this.stopped })
      } catch (error) {
        // Postgres restarting, a dropped connection: the next poll tries again.
        logger.error(`medusa-plugin-flows: dispatch failed, retrying at the next poll: ${(error as Error).message}`)
      }
      if (this.stopped) {
        break
      }
      const idleFrom = performance.eventLoopUtilization()
      await this.sleep(pollIntervalMs)
      if (yieldsToRequests && (await this.busyFor(idleFrom, yieldToRequestsMs)) >= yieldToRequestsMs) {
        logger.debug(`medusa-plugin-flows: dispatching after giving way to requests for ${yieldToRequestsMs} ms, the most allowed`)
      }
    }
  }

  /**
   * In a process that also serves the store (Medusa's `shared` worker mode), waits while requests keep the
   * event loop busy, for `atMostMs` at most, so that recording store events and sending take the gaps
   * between bursts rather than CPU from the requests. Both wait together: an order placed meanwhile still ends
   * its runs before anything of theirs is sent. Judges a second at least (a wake does not cut a look short:
   * a few milliseconds of a loop prove nothing), so a wake within a second of the last drain waits for the
   * rest of it. Only between drains: a drain under way goes on. Returns how long it waited.
   */
  private async busyFor(since: EventLoopUtilization, atMostMs: number): Promise<number> {
    const start = performance.now()
    let look = since
    while (!this.stopped && performance.now() - start < atMostMs) {
      const window = performance.eventLoopUtilization(look)
      let lookedMs = window.idle + window.active
      if (lookedMs >= BUSY_LOOK_MS) {
        if (window.utilization <= BUSY_ABOVE) {
          break
        }
        look = performance.eventLoopUtilization()
        lookedMs = 0
      }
      const lookAt = performance.now() + Math.min(BUSY_LOOK_MS - lookedMs, atMostMs - (performance.now() - start))
      while (!this.stopped && performance.now() < lookAt) {
        await this.sleep(lookAt - performance.now())
      }
    }
    return performance.now() - start
  }

  private sleep(ms: number) {
    if (this.wokenDuringDrain) {
      this.wokenDuringDrain = false
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer)
        this.wake = undefined
        resolve()
      }
      const timer = setTimeout(end, ms)
      timer.unref()
      this.wake = end
    })
  }

  /** Ends the sleep between polls, or the next one if it comes during a drain: new work is waiting. */
  wakeUp() {
    if (this.wake) {
      this.wake()
    } else {
      this.wokenDuringDrain = true
    }
  }

  async stop() {
    this.stopped = true
    this.wake?.()
    await this.running
  }
}

/**
 * One per module instance, working through the application's own container (the one subscribers are given).
 * Not through a scheduled job's: Medusa runs each job tick as a workflow, whose container hands out a new
 * wrapper of the module on every resolve, each adding that tick's workflow context to every call. Kept by
 * such a wrapper, every tick started another loop; run through one, a loop would carry a finished tick's
 * context for the life of the process.
 */
const dispatchers = new WeakMap<FlowsModuleService, Dispatcher>()

function dispatcher(): Dispatcher {
  const flows: FlowsModuleService = appContainer.resolve(FLOWS_MODULE)
  let found = dispatchers.get(flows)
  if (!found) {
    found = new Dispatcher(appContainer, flows)
    dispatchers.set(flows, found)
  }
  return found
}

/** Starts this process's dispatcher unless it runs already. */
export function ensureDispatcher() {
  dispatcher().ensureRunning()
}

/**
 * Wakes this process's dispatcher, if it runs, to record a store event now rather than at the next poll:
 * an order placed ends its runs at once.
 */
export function wakeDispatcher() {
  dispatchers.get(appContainer.resolve(FLOWS_MODULE))?.wakeUp()
}

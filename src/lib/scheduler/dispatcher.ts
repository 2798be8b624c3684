import { performance, type EventLoopUtilization } from "node:perf_hooks"
import { container as appContainer } from "@medusajs/framework"
import type { ConfigModule, MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../modules/flows"
import type FlowsModuleService from "../../modules/flows/service"
import { drainCache } from "./drain-cache"
import { watchRequestsInFlight } from "./requests-in-flight"
import { runDueSteps } from "./run-due-steps"

/** The share of its time an event loop may spend working before the process counts as busy with requests. */
const BUSY_ABOVE = 0.5
/** How often a dispatcher that gives way to requests looks again. */
const BUSY_LOOK_MS = 1000
/** How often a drain held back by requests in flight looks whether they are served. */
const SERVED_LOOK_MS = 25

/**
 * One worker process's loop: drain everything due, then sleep `scheduler.pollIntervalMs`, again and again.
 * In a `shared` process it also gives way to the store's requests: it sleeps longer while they keep the
 * process busy, and each claim of a drain waits for the requests in flight to be served. Only processes that
 * run Medusa's background work start it (`startDispatcherWithApplication`), so a `server` process never
 * dispatches. Postgres decides who sends what: the loop only claims.
 */
class Dispatcher {
  private running?: Promise<void>
  private stopped = false
  /** Ends the sleep under way; unset while the loop drains. */
  private wake?: () => void
  /** A wake that came during a drain (an order placed after its last look at the inbox): the next sleep is skipped. */
  private wokenDuringDrain = false
  /** How long the loop has given way to requests since its last claim; `yieldToRequestsMs` caps it. */
  private gaveWayMs = 0

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
    const beforeClaim = yieldsToRequests ? this.untilServed(watchRequestsInFlight(), yieldToRequestsMs) : undefined
    while (!this.stopped) {
      try {
        await runDueSteps(this.container, { cache, shouldStop: () => this.stopped, beforeClaim })
      } catch (error) {
        // Postgres restarting, a dropped connection: the next poll tries again.
        logger.error(`medusa-plugin-flows: dispatch failed, retrying at the next poll: ${(error as Error).message}`)
      }
      if (this.stopped) {
        break
      }
      const idleFrom = performance.eventLoopUtilization()
      await this.sleep(pollIntervalMs)
      if (yieldsToRequests) {
        this.gaveWayMs += await this.busyFor(idleFrom, yieldToRequestsMs)
      }
    }
  }

  /**
   * Before each claim of a drain, the first included: while the process is serving requests, waits until
   * they are served, so that a long drain (a campaign's first backlog) takes the gaps between them rather
   * than CPU from them. What was given way since the last claim counts towards `atMostMs`, so under
   * unbroken load a claim still comes every `atMostMs`.
   */
  private untilServed(requestsInFlight: () => number, atMostMs: number) {
    const logger = this.container.resolve(ContainerRegistrationKeys.LOGGER)
    return async () => {
      const since = performance.now() - this.gaveWayMs
      while (!this.stopped && requestsInFlight() > 0 && performance.now() - since < atMostMs) {
        await new Promise((resolve) => setTimeout(resolve, SERVED_LOOK_MS))
      }
      if (performance.now() - since >= atMostMs) {
        logger.debug(`medusa-plugin-flows: claiming after giving way to requests for ${atMostMs} ms, the most allowed`)
      }
      this.gaveWayMs = 0
    }
  }

  /**
   * In a process that also serves the store (Medusa's `shared` worker mode), waits while requests keep the
   * event loop busy, for `atMostMs` at most, so that recording store events and sending take the gaps
   * between bursts rather than CPU from the requests. Both wait together: an order placed meanwhile still ends
   * its runs before anything of theirs is sent. Judges a second at least (a wake does not cut a look short:
   * a few milliseconds of a loop prove nothing), so a wake within a second of the last drain waits for the
   * rest of it. Only between drains (within one, `untilServed` holds back each claim). Returns how long it gave
   * way: nothing when its first full look found the process idle.
   */
  private async busyFor(since: EventLoopUtilization, atMostMs: number): Promise<number> {
    const start = performance.now()
    let look = since
    let sawBusy = false
    while (!this.stopped && performance.now() - start < atMostMs) {
      const window = performance.eventLoopUtilization(look)
      let lookedMs = window.idle + window.active
      if (lookedMs >= BUSY_LOOK_MS) {
        if (window.utilization <= BUSY_ABOVE) {
          break
        }
        sawBusy = true
        look = performance.eventLoopUtilization()
        lookedMs = 0
      }
      const lookAt = performance.now() + Math.min(BUSY_LOOK_MS - lookedMs, atMostMs - (performance.now() - start))
      while (!this.stopped && performance.now() < lookAt) {
        await this.sleep(lookAt - performance.now())
      }
    }
    const waitedMs = performance.now() - start
    // A look that found the process idle only judged it: it gave nothing way.
    return sawBusy || waitedMs >= atMostMs ? waitedMs : 0
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
 * One per module instance, working through the application's own container (the one subscribers are given),
 * so that a loop which lives as long as the process carries no request's or workflow's context.
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
 * Starts this process's dispatcher as the application starts, where Medusa runs background work (`worker`
 * and `shared` processes, as its scheduled jobs; a `server` process only answers requests) and the
 * scheduler is on. So every worker dispatches from its start, and nothing ticks while the store is quiet.
 * A module test's application has no configuration and starts none.
 */
export function startDispatcherWithApplication() {
  if (!appContainer.hasRegistration(ContainerRegistrationKeys.CONFIG_MODULE) || !appContainer.hasRegistration(FLOWS_MODULE)) {
    return
  }
  const { workerMode } = appContainer.resolve<ConfigModule>(ContainerRegistrationKeys.CONFIG_MODULE).projectConfig
  const flows: FlowsModuleService = appContainer.resolve(FLOWS_MODULE)
  if ((workerMode === "worker" || workerMode === "shared") && flows.getOptions().scheduler.enabled) {
    ensureDispatcher()
  }
}

/**
 * Wakes this process's dispatcher, if it runs, to record a store event now rather than at the next poll:
 * an order placed ends its runs at once.
 */
export function wakeDispatcher() {
  dispatchers.get(appContainer.resolve(FLOWS_MODULE))?.wakeUp()
}

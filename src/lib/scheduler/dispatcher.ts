import { container as appContainer } from "@medusajs/framework"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../modules/flows"
import type FlowsModuleService from "../../modules/flows/service"
import { drainCache } from "./drain-cache"
import { runDueSteps } from "./run-due-steps"

/**
 * One worker process's loop: drain everything due, then sleep `scheduler.pollIntervalMs`, again and again.
 * Only processes that run Medusa's background work start it (the scheduled job and the wake subscriber are
 * loaded in `worker` and `shared` mode only), so a `server` process never dispatches. Postgres decides who
 * sends what: the loop only claims.
 */
class Dispatcher {
  private running?: Promise<void>
  private stopped = false
  private wake?: () => void

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
    while (!this.stopped) {
      try {
        await runDueSteps(this.container, { cache, shouldStop: () => this.stopped })
      } catch (error) {
        // Postgres restarting, a dropped connection: the next poll tries again.
        logger.error(`medusa-plugin-flows: dispatch failed, retrying at the next poll: ${(error as Error).message}`)
      }
      await this.sleep(flows.getOptions().scheduler.pollIntervalMs)
    }
  }

  private sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      timer.unref()
      this.wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  /** Ends the sleep between polls: new work is waiting. */
  wakeUp() {
    this.wake?.()
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

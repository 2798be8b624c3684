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
export class Dispatcher {
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
 * One per module instance. Keyed by the instance's parsed options, not by the service: Medusa hands each job
 * tick and each event its own container, and resolving the module from it gives a new wrapper of the same
 * instance every time. Keyed by the wrapper, every tick started another loop.
 */
const dispatchers = new WeakMap<object, Dispatcher>()

/** This process's dispatcher for the module instance behind `container`, created (not started) if need be. */
export function dispatcherOf(container: MedusaContainer): Dispatcher {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  let dispatcher = dispatchers.get(flows.getOptions())
  if (!dispatcher) {
    dispatcher = new Dispatcher(container, flows)
    dispatchers.set(flows.getOptions(), dispatcher)
  }
  return dispatcher
}

/** Starts this process's dispatcher unless it runs already. */
export function ensureDispatcher(container: MedusaContainer) {
  dispatcherOf(container).ensureRunning()
}

/**
 * Wakes this process's dispatcher, if it runs, to record a store event now rather than at the next poll:
 * an order placed ends its runs at once.
 */
export function wakeDispatcher(container: MedusaContainer) {
  dispatchers.get(container.resolve<FlowsModuleService>(FLOWS_MODULE).getOptions())?.wakeUp()
}

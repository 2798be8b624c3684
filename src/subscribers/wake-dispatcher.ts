import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { FLOWS_MODULE } from "../modules/flows"
import type FlowsModuleService from "../modules/flows/service"
import { ensureDispatcher } from "../lib/scheduler/dispatcher"

export const DISPATCH_WAKE_EVENT = "medusa-plugin-flows.dispatch-wake"

/** Starts the dispatcher of the worker that receives the wake event (see jobs/run-due-flow-steps). */
export default async function wakeDispatcher({ container }: SubscriberArgs<Record<string, never>>) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  if (flows.getOptions().scheduler.enabled) {
    ensureDispatcher()
  }
}

export const config: SubscriberConfig = {
  event: DISPATCH_WAKE_EVENT,
  context: { subscriberId: "medusa-plugin-flows-wake-dispatcher" },
}

import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { FLOWS_MODULE } from "../modules/flows"
import type FlowsModuleService from "../modules/flows/service"
import { subjectKeyOf } from "../lib/store/store-events"
import { wakeDispatcher } from "../lib/scheduler/dispatcher"

/** Events that end runs: this process's dispatcher records them now, not at its next poll. */
const ENDS_RUNS = new Set(["order.placed", "customer.deleted"])

/**
 * Keeps store events for flows with one INSERT, nothing more (shared with the events that arrive meanwhile):
 * loading the cart or order and starting or ending runs happens in the scheduler
 * (src/lib/store/process-store-events.ts), so checkout pays for one cheap write and a slow query or provider
 * never holds it up.
 */
export default async function recordStoreEventsHandler({ event, container }: SubscriberArgs<Record<string, unknown>>) {
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  await flows.enqueueStoreEvent({ name: event.name, data: event.data, subject_key: subjectKeyOf(event.name, event.data) })
  if (ENDS_RUNS.has(event.name)) {
    wakeDispatcher()
  }
}

export const config: SubscriberConfig = {
  event: [
    "cart.created",
    "cart.updated",
    "order.placed",
    "order.canceled",
    "customer.created",
    "customer.deleted",
    "order.fulfillment_created",
    "shipment.created",
    "delivery.created",
  ],
  context: { subscriberId: "medusa-plugin-flows-record-store-events" },
}

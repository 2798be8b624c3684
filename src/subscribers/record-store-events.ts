import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { recordStoreEvent } from "../lib/store/store-events"

/**
 * Records store events for flows: it starts and ends runs, nothing more. Sending happens later,
 * in the scheduler, so a slow provider never holds up checkout. Recording twice is harmless.
 */
export default async function recordStoreEventsHandler({ event, container }: SubscriberArgs<Record<string, unknown>>) {
  await recordStoreEvent(container, event.name, event.data)
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

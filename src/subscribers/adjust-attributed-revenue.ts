import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { adjustRevenueForEvent } from "../lib/store/revenue-adjustments"

/** Refunds and cancellations reduce the revenue credited to flows, in the order's currency, once each. */
export default async function adjustAttributedRevenueHandler({ event, container }: SubscriberArgs<{ id?: string }>) {
  await adjustRevenueForEvent(container, event.name, event.data)
}

export const config: SubscriberConfig = {
  event: ["order.canceled", "payment.refunded"],
  context: { subscriberId: "medusa-plugin-flows-adjust-attributed-revenue" },
}

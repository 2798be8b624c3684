import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../modules/flows"
import type FlowsModuleService from "../../modules/flows/service"

/**
 * Takes refunds and cancellations off the revenue credited to flows. Medusa's `payment.refunded` names the
 * payment only, so every refund of that payment is applied, each once by its id: a redelivered event, or the
 * next refund's event, never takes the same money back twice. `order.canceled` takes back what is left.
 */
export async function adjustRevenueForEvent(container: MedusaContainer, name: string, data: { id?: string }, now = new Date()) {
  if (!data?.id) {
    return []
  }
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const flows = container.resolve<FlowsModuleService>(FLOWS_MODULE)
  if (name === "order.canceled") {
    const { data: orders } = await query.graph({
      entity: "order",
      fields: ["id", "currency_code", "canceled_at"],
      filters: { id: data.id },
    })
    const order = orders[0]
    if (!order) {
      return []
    }
    const adjusted = await flows.adjustAttributedRevenue({
      order_id: order.id,
      kind: "cancel",
      dedupe_key: `cancel:${order.id}`,
      currency_code: order.currency_code,
      occurred_at: order.canceled_at ? new Date(order.canceled_at as unknown as string) : now,
    })
    return adjusted ? [adjusted] : []
  }
  const { data: payments } = await query.graph({
    entity: "payment",
    fields: ["id", "currency_code", "refunds.id", "refunds.amount", "refunds.created_at", "payment_collection.order.id"],
    filters: { id: data.id },
  })
  const payment = payments[0] as unknown as
    | {
        currency_code: string
        refunds?: { id: string; amount: unknown; created_at?: string | Date }[]
        payment_collection?: { order?: { id: string } | null } | null
      }
    | undefined
  const orderId = payment?.payment_collection?.order?.id
  if (!payment || !orderId) {
    return []
  }
  const adjusted: Awaited<ReturnType<FlowsModuleService["adjustAttributedRevenue"]>>[] = []
  for (const refund of payment.refunds ?? []) {
    const result = await flows.adjustAttributedRevenue({
      order_id: orderId,
      kind: "refund",
      dedupe_key: `refund:${refund.id}`,
      amount: Number(refund.amount),
      currency_code: payment.currency_code,
      occurred_at: refund.created_at ? new Date(refund.created_at) : now,
    })
    if (result) {
      adjusted.push(result)
    }
  }
  return adjusted
}

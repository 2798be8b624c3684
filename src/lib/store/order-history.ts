import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../modules/flows"
import type FlowsModuleService from "../../modules/flows/service"

const PAGE = 500

/**
 * Win-back reads each contact's last order time, which the plugin records as orders are placed. A store
 * that installs it has years of orders before that: this reads them once, a page at a time, and records
 * each buyer's latest (cancelled orders do not count). Running it again changes nothing.
 */
export async function importOrderHistory(container: MedusaContainer) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
  let orders = 0
  let people = 0
  for (let skip = 0; ; skip += PAGE) {
    const { data } = await query.graph({
      entity: "order",
      fields: ["id", "email", "customer_id", "created_at", "canceled_at"],
      pagination: { skip, take: PAGE, order: { created_at: "ASC" } },
    })
    const latest = new Map<string, { email: string | null; customer_id: string | null; at: Date }>()
    for (const order of data) {
      if (order.canceled_at || (!order.email && !order.customer_id)) {
        continue
      }
      const key = order.email?.toLowerCase() ?? order.customer_id
      const at = new Date(order.created_at)
      if (!latest.has(key) || latest.get(key)!.at < at) {
        latest.set(key, { email: order.email ?? null, customer_id: order.customer_id ?? null, at })
      }
    }
    people += await flows.noteLastOrders([...latest.values()])
    orders += data.length
    if (data.length < PAGE) {
      return { orders, people }
    }
  }
}

import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"

const RECENT = { take: 10, order: { created_at: "DESC" as const } }

/** Recent carts (with an email), orders and customers, to preview a template with real data. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const [carts, orders, customers] = await Promise.all([
    query.graph({ entity: "cart", fields: ["id", "email", "created_at"], filters: { email: { $ne: null } }, pagination: RECENT }),
    query.graph({ entity: "order", fields: ["id", "display_id", "email", "created_at"], pagination: RECENT }),
    query.graph({ entity: "customer", fields: ["id", "email", "first_name", "last_name", "created_at"], pagination: RECENT }),
  ])
  res.json({ carts: carts.data, orders: orders.data, customers: customers.data })
}

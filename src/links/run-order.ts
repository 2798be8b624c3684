import { defineLink } from "@medusajs/framework/utils"
import OrderModule from "@medusajs/medusa/order"
import FlowsModule from "../modules/flows"

/** Read-only: lets Query join our `order_id` to Medusa's order without a pivot table. */
export default defineLink(
  { linkable: FlowsModule.linkable.flowsRun.id, field: "order_id" },
  OrderModule.linkable.order,
  { readOnly: true }
)

import { defineLink } from "@medusajs/framework/utils"
import CustomerModule from "@medusajs/medusa/customer"
import FlowsModule from "../modules/flows"

/** Read-only: lets Query join our `customer_id` to Medusa's customer without a pivot table. */
export default defineLink(
  { linkable: FlowsModule.linkable.flowsRun.id, field: "customer_id" },
  CustomerModule.linkable.customer,
  { readOnly: true }
)

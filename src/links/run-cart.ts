import { defineLink } from "@medusajs/framework/utils"
import CartModule from "@medusajs/medusa/cart"
import FlowsModule from "../modules/flows"

/** Read-only: lets Query join our `cart_id` to Medusa's cart without a pivot table. */
export default defineLink(
  { linkable: FlowsModule.linkable.flowsRun.id, field: "cart_id" },
  CartModule.linkable.cart,
  { readOnly: true }
)

import { model } from "@medusajs/framework/utils"

/**
 * The audit record of an erasure: who erased, when, how the person was looked up and how many rows were
 * deleted or anonymised. It holds no personal data (no address, number, customer id or contact id).
 */
export const Erasure = model.define("flows_erasure", {
  id: model.id({ prefix: "flowera" }).primaryKey(),
  /** The admin user (or API key) that asked for it; null when run from code. */
  actor_id: model.text().nullable(),
  /** The kinds of key used, e.g. "customer_id+email": never their values. */
  looked_up_by: model.text(),
  erased_at: model.dateTime(),
  counts: model.json(),
})

import { model } from "@medusajs/framework/utils"

/**
 * An order placed by the person behind a run, from the run's start until the attribution window after it
 * ended. Kept for every run, held out or not, whether or not a message gets the credit: what A/B tests and
 * holdout comparisons measure (last-touch attribution lives in flows_conversion).
 */
export const RunOrder = model
  .define("flows_run_order", {
    id: model.id({ prefix: "flowrunord" }).primaryKey(),
    run_id: model.text(),
    flow_id: model.text(),
    order_id: model.text(),
    amount: model.bigNumber(),
    currency_code: model.text(),
    ordered_at: model.dateTime(),
  })
  .indexes([{ on: ["run_id", "order_id"], unique: true }, { on: ["flow_id", "ordered_at"] }])

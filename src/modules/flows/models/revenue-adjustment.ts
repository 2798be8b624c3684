import { model } from "@medusajs/framework/utils"

/**
 * A refund or cancellation applied to an attributed order, once: `dedupe_key` ("refund:<refund id>",
 * "cancel:<order id>") keeps a redelivered event from taking the money back twice.
 */
export const RevenueAdjustment = model
  .define("flows_revenue_adjustment", {
    id: model.id({ prefix: "flowadj" }).primaryKey(),
    dedupe_key: model.text(),
    order_id: model.text(),
    conversion_id: model.text(),
    kind: model.enum(["refund", "cancel"]),
    /** What was taken back from the attributed revenue (capped at what was left of it). */
    amount: model.bigNumber(),
    currency_code: model.text(),
    occurred_at: model.dateTime(),
  })
  .indexes([{ on: ["dedupe_key"], unique: true }, { on: ["order_id"] }])

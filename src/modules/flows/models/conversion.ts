import { model } from "@medusajs/framework/utils"
import { CHANNELS } from "../../../engine/constants"

/**
 * An order credited to the flow message that last reached the buyer within the attribution window:
 * a click first, otherwise a message sent. One row per order, so a redelivered order.placed counts once.
 */
export const Conversion = model
  .define("flows_conversion", {
    id: model.id({ prefix: "flowconv" }).primaryKey(),
    order_id: model.text(),
    contact_id: model.text(),
    flow_id: model.text(),
    step_id: model.text(),
    message_id: model.text(),
    channel: model.enum([...CHANNELS]),
    /** "click" when the buyer clicked the message, "message" when it only reached them. */
    touch: model.enum(["click", "message"]),
    amount: model.bigNumber(),
    currency_code: model.text(),
    ordered_at: model.dateTime(),
    /**
     * What refunds and a cancellation took back, in `currency_code`, never more than `amount`: the
     * attributed revenue is `amount - refunded_amount`. Each refund is applied once (flows_revenue_adjustment).
     */
    refunded_amount: model.bigNumber().default(0),
    /** Set when the order was canceled: it no longer counts as a conversion. */
    canceled_at: model.dateTime().nullable(),
  })
  .indexes([{ on: ["order_id"], unique: true }, { on: ["flow_id", "ordered_at"] }, { on: ["ordered_at"] }])

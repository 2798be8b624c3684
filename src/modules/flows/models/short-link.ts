import { model } from "@medusajs/framework/utils"

/**
 * A short recovery link for texts (`/flows/r/<code>`): a signed link is too long for one SMS segment.
 * `message_key` is the idempotency key of the message that carries it, so a tap counts as that
 * message's click; links made for a preview or a test send have none.
 */
export const ShortLink = model
  .define("flows_short_link", {
    id: model.id({ prefix: "flowlnk" }).primaryKey(),
    code: model.text(),
    cart_id: model.text(),
    message_key: model.text().nullable(),
    expires_at: model.dateTime(),
  })
  .indexes([{ on: ["code"], unique: true }])

import { model } from "@medusajs/framework/utils"

/** Webhook events already handled: providers deliver the same event more than once. */
export const ProviderEvent = model
  .define("flows_provider_event", {
    id: model.id({ prefix: "flowpev" }).primaryKey(),
    provider: model.text(),
    event_id: model.text(),
    type: model.text(),
    message_id: model.text().nullable(),
  })
  .indexes([{ on: ["provider", "event_id"], unique: true }])

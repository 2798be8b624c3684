import { model } from "@medusajs/framework/utils"

/** Webhook events already handled: providers deliver the same event more than once. */
export const ProviderEvent = model
  .define("flows_provider_event", {
    id: model.id({ prefix: "flowpev" }).primaryKey(),
    provider: model.text(),
    event_id: model.text(),
    type: model.text(),
    message_id: model.text().nullable(),
    /**
     * An event about a provider id we do not know yet (a Twilio status that beat the send's own write):
     * kept with its payload, and applied when the message gets that provider id.
     */
    pending_provider_id: model.text().nullable(),
    payload: model.json().nullable(),
  })
  .indexes([
    { on: ["provider", "event_id"], unique: true },
    { on: ["pending_provider_id"], where: "pending_provider_id IS NOT NULL" },
  ])

import { model } from "@medusajs/framework/utils"

export const Message = model
  .define("flows_message", {
    id: model.id({ prefix: "flowmsg" }).primaryKey(),
    /** flow:run:step. The unique index is what makes a second send of the same step impossible. */
    idempotency_key: model.text(),
    flow_id: model.text().nullable(),
    run_id: model.text().nullable(),
    step_id: model.text().nullable(),
    contact_id: model.text().nullable(),
    channel: model.enum(["email", "sms"]),
    provider: model.text(),
    to: model.text().nullable(),
    status: model
      .enum(["queued", "sending", "sent", "delivered", "failed", "skipped"])
      .default("queued"),
    subject: model.text().nullable(),
    preheader: model.text().nullable(),
    html: model.text().nullable(),
    text: model.text().nullable(),
    provider_id: model.text().nullable(),
    error: model.text().nullable(),
    sent_at: model.dateTime().nullable(),
    metadata: model.json().nullable(),
  })
  .indexes([
    { on: ["idempotency_key"], unique: true },
    { on: ["flow_id", "created_at"] },
    { on: ["run_id"] },
    { on: ["contact_id", "created_at"] },
    { on: ["status"] },
  ])

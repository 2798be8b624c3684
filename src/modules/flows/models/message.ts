import { model } from "@medusajs/framework/utils"
import { CHANNELS, MESSAGE_STATUSES } from "../../../engine/constants"

export const Message = model
  .define("flows_message", {
    id: model.id({ prefix: "flowmsg" }).primaryKey(),
    /** flow:run:step. The unique index is what makes a second send of the same step impossible. */
    idempotency_key: model.text(),
    flow_id: model.text().nullable(),
    run_id: model.text().nullable(),
    step_id: model.text().nullable(),
    contact_id: model.text().nullable(),
    channel: model.enum([...CHANNELS]),
    provider: model.text(),
    to: model.text().nullable(),
    // Always written with the row: a message is created as it is sent or skipped.
    status: model.enum([...MESSAGE_STATUSES]),
    subject: model.text().nullable(),
    preheader: model.text().nullable(),
    html: model.text().nullable(),
    text: model.text().nullable(),
    provider_id: model.text().nullable(),
    error: model.text().nullable(),
    /** The provider's own code for the last error, e.g. Twilio 21610 or HTTP 429. */
    error_code: model.text().nullable(),
    /** Provider calls made so far; retries are spread out with backoff. */
    attempts: model.number().default(0),
    /** SMS only: GSM-7 or UCS-2 segments the body takes. */
    segments: model.number().nullable(),
    sent_at: model.dateTime().nullable(),
    /**
     * When a mail proxy (Apple Mail Privacy Protection, flagged by SendGrid's `sg_machine_open`) first
     * fetched the message's pixel. Counted apart from human opens, which move `status` to `opened`.
     */
    machine_opened_at: model.dateTime().nullable(),
    metadata: model.json().nullable(),
    /** From an exempt step (an order thank-you): not counted toward the caps. */
    exempt: model.boolean().default(false),
  })
  .indexes([
    { on: ["idempotency_key"], unique: true },
    { on: ["flow_id", "created_at"] },
    // Analytics over all flows reads a period of messages (bench/analytics.js).
    { on: ["created_at"] },
    { on: ["run_id"] },
    { on: ["contact_id", "created_at"] },
    // A STOP is credited to the last text the number got, whoever it was for.
    { on: ["to", "created_at"], where: "channel = 'sms'" },
    { on: ["status"] },
    { on: ["provider_id"], where: "provider_id IS NOT NULL" },
  ])

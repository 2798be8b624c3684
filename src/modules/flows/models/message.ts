import { model } from "@medusajs/framework/utils"

/**
 * sending: the provider call is under way or its outcome is unknown, so it is never sent again.
 * retrying: the provider refused for now (429, 5xx); the run tries again later.
 * uncertain: the call may have reached the provider (it timed out, or the worker stopped during it), so
 * it is never sent again automatically; the outbox shows it, and a manual retry warns of a duplicate.
 */
export const MESSAGE_STATUSES = [
  "queued", "sending", "retrying", "sent", "delivered", "opened", "clicked",
  "failed", "skipped", "bounced", "dropped", "undelivered", "uncertain",
] as const

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
    status: model.enum([...MESSAGE_STATUSES]).default("queued"),
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
    metadata: model.json().nullable(),
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

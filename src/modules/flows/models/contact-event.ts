import { model } from "@medusajs/framework/utils"

/** The contact's timeline: store events we saw and messages we sent, in one place. */
export const ContactEvent = model
  .define("flows_contact_event", {
    id: model.id({ prefix: "flowevt" }).primaryKey(),
    contact_id: model.text(),
    type: model.text(),
    occurred_at: model.dateTime(),
    /** Keeps a redelivered event from appearing twice, e.g. "order.placed:order_123". */
    dedupe_key: model.text().nullable(),
    flow_id: model.text().nullable(),
    run_id: model.text().nullable(),
    message_id: model.text().nullable(),
    data: model.json().nullable(),
  })
  .indexes([
    { on: ["contact_id", "occurred_at"] },
    { on: ["dedupe_key"], unique: true, where: "dedupe_key IS NOT NULL" },
    // Analytics counts a period's unsubscribes; the list must match UNSUBSCRIBE_EVENTS (sql/message-statuses.ts).
    { on: ["occurred_at"], where: "type IN ('email.unsubscribed', 'sms.opted_out')" },
    // Engagement levels read a window of a contact's human opens and clicks; must match ENGAGEMENT_EVENTS (sql/engagement.ts).
    {
      name: "IDX_flows_contact_event_engagement",
      on: ["contact_id", "occurred_at"],
      where: "type IN ('email.opened', 'email.clicked', 'sms.clicked')",
    },
  ])

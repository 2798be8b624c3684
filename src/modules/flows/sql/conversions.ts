import { generateEntityId } from "@medusajs/framework/utils"
import type { Database } from "./database"
import { REACHED } from "./message-statuses"

export type OrderToAttribute = {
  order_id: string
  contact_id: string
  amount: number
  currency_code: string
  ordered_at: Date
  /** The start of the attribution window. */
  since: Date
}

/**
 * Credits the order to the contact's last flow message within the window: the last clicked email or
 * text if there is one, otherwise the last message that reached them. Test sends (no run) never count.
 * Returns the conversion, or null when no message qualifies or the order was credited before.
 */
export async function attributeOrder(db: Database, order: OrderToAttribute) {
  return (
    (await db.first(
      `INSERT INTO flows_conversion (id, order_id, contact_id, flow_id, step_id, message_id, channel, touch,
       amount, raw_amount, currency_code, ordered_at, created_at, updated_at)
     SELECT ?, ?, ?, m.flow_id, m.step_id, m.id, m.channel, touch.kind, ?, ?::jsonb, ?, ?, ?, ?
     FROM (
       (SELECT e.message_id, 'click' AS kind, 0 AS preference FROM flows_contact_event e
         WHERE e.contact_id = ? AND e.type IN ('email.clicked', 'sms.clicked') AND e.occurred_at BETWEEN ? AND ?
           AND e.message_id IS NOT NULL AND e.deleted_at IS NULL
         ORDER BY e.occurred_at DESC LIMIT 1)
       UNION ALL
       (SELECT id, 'message', 1 FROM flows_message
         WHERE contact_id = ? AND run_id IS NOT NULL AND status IN (?) AND sent_at BETWEEN ? AND ?
           AND deleted_at IS NULL
         ORDER BY sent_at DESC LIMIT 1)
     ) touch
     JOIN flows_message m ON m.id = touch.message_id AND m.run_id IS NOT NULL
     ORDER BY touch.preference LIMIT 1
     ON CONFLICT (order_id) WHERE deleted_at IS NULL DO NOTHING
     RETURNING id, flow_id, step_id, message_id, touch`,
      [
        generateEntityId(undefined, "flowconv"),
        order.order_id,
        order.contact_id,
        order.amount,
        JSON.stringify({ value: String(order.amount), precision: 20 }),
        order.currency_code,
        order.ordered_at,
        order.ordered_at,
        order.ordered_at,
        order.contact_id,
        order.since,
        order.ordered_at,
        order.contact_id,
        REACHED,
        order.since,
        order.ordered_at,
      ]
    )) ?? null
  )
}

/** The message an order is credited to, with its flow's name. */
export async function conversionOfOrder(db: Database, orderId: string) {
  return (
    (await db.first(
      `SELECT c.id, c.flow_id, f.name AS flow_name, c.step_id, c.message_id, c.channel, c.touch,
       c.amount::float AS amount, c.currency_code, c.ordered_at, m.subject, m.sent_at
     FROM flows_conversion c
     LEFT JOIN flows_flow f ON f.id = c.flow_id
     LEFT JOIN flows_message m ON m.id = c.message_id
     WHERE c.order_id = ? AND c.deleted_at IS NULL`,
      [orderId]
    )) ?? null
  )
}

import { newId } from "./ids"
import type { Database } from "./database"
import { NOT_REACHED } from "./message-statuses"

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
 *
 * The buyer's messages are matched as in engagementCountsOf (engagement.ts), so that only the
 * (contact_id, created_at) index can serve them while flows_message is young: a message sent before the
 * order was created before it, so `(contact_id, created_at) <= (buyer, ordered_at)` bounds the read.
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
         WHERE contact_id = ? AND (contact_id, created_at) <= (?, ?::timestamptz) AND run_id IS NOT NULL
           AND status NOT IN (?) AND sent_at BETWEEN ? AND ? AND deleted_at IS NULL
         ORDER BY sent_at DESC LIMIT 1)
     ) touch
     JOIN flows_message m ON m.id = touch.message_id AND m.run_id IS NOT NULL
     ORDER BY touch.preference LIMIT 1
     ON CONFLICT (order_id) WHERE deleted_at IS NULL DO NOTHING
     RETURNING id, flow_id, step_id, message_id, touch`,
      [
        newId("flowconv"),
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
        order.contact_id,
        order.ordered_at,
        NOT_REACHED,
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

export type RevenueAdjustmentInput = {
  order_id: string
  kind: "refund" | "cancel"
  /** Once per refund ("refund:<refund id>") or cancellation ("cancel:<order id>"). */
  dedupe_key: string
  /** What the refund gave back; ignored for a cancellation, which takes back all that is left. */
  amount?: number
  currency_code: string
  occurred_at: Date
}

/**
 * Takes a refund or cancellation off the order's attributed revenue, in the order's currency, once per
 * `dedupe_key`: a redelivered event finds its adjustment recorded and changes nothing. Never takes back more
 * than is left. Returns the adjustment, or null (no credited order, seen before, or another currency).
 */
export async function adjustConversion(db: Database, input: RevenueAdjustmentInput) {
  return await db.transaction(async (tx) => {
    const conversion = await tx.first(
      `SELECT id, currency_code, (amount - refunded_amount) AS remaining FROM flows_conversion
       WHERE order_id = ? AND deleted_at IS NULL FOR UPDATE`,
      [input.order_id]
    )
    if (!conversion || String(conversion.currency_code).toLowerCase() !== input.currency_code.toLowerCase()) {
      return null
    }
    const remaining = Number(conversion.remaining)
    const taken = input.kind === "cancel" ? remaining : Math.max(0, Math.min(remaining, input.amount ?? 0))
    const adjustment = await tx.first(
      `INSERT INTO flows_revenue_adjustment (id, dedupe_key, order_id, conversion_id, kind, amount, raw_amount,
         currency_code, occurred_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)
       ON CONFLICT (dedupe_key) WHERE deleted_at IS NULL DO NOTHING
       RETURNING id, kind, amount::float AS amount, currency_code`,
      [
        newId("flowadj"),
        input.dedupe_key,
        input.order_id,
        conversion.id,
        input.kind,
        taken,
        JSON.stringify({ value: String(taken), precision: 20 }),
        conversion.currency_code,
        input.occurred_at,
        input.occurred_at,
        input.occurred_at,
      ]
    )
    if (!adjustment) {
      return null
    }
    await tx.rows(
      `UPDATE flows_conversion SET refunded_amount = refunded_amount + ?,
         raw_refunded_amount = jsonb_build_object('value', (refunded_amount + ?)::text, 'precision', 20),
         canceled_at = CASE WHEN ? THEN COALESCE(canceled_at, ?) ELSE canceled_at END, updated_at = ?
       WHERE id = ?`,
      [taken, taken, input.kind === "cancel", input.occurred_at, input.occurred_at, conversion.id]
    )
    return adjustment
  })
}

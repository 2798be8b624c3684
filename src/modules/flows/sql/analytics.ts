import type { Database } from "./database"
import { NOT_DELIVERED, REACHED, SENT, UNSUBSCRIBE_EVENTS } from "./message-statuses"

/** A half-open period [from, to), optionally one flow. Test sends (no run) are never counted. */
export type AnalyticsRange = { from: Date; to: Date; flow_id?: string | null }

function scope(range: AnalyticsRange, column: string, flowColumn: string) {
  const flow = range.flow_id ? ` AND ${flowColumn} = ?` : ""
  return { sql: `${column} >= ? AND ${column} < ?${flow}`, params: [range.from, range.to, ...(range.flow_id ? [range.flow_id] : [])] }
}

/**
 * Per flow, step and channel: messages sent, delivered, opened by a person, opened by a mail proxy, clicked
 * and not delivered. Only an email is opened: a text's click is a click, not an open. A click proves a
 * person opened the email; a proxy's pixel fetch (`machine_opened_at`) does not, and is counted apart.
 * Every read below is a range scan of a (flow_id, time) or (time) index, so it costs what the period holds
 * (bench/analytics.js measures them on a year of a million messages).
 */
export async function messageCounts(db: Database, range: AnalyticsRange) {
  const where = scope(range, "created_at", "flow_id")
  return await db.rows(
    `SELECT flow_id, step_id, channel,
       count(*) FILTER (WHERE status IN (?))::int AS sent,
       count(*) FILTER (WHERE status IN ('delivered', 'opened', 'clicked'))::int AS delivered,
       count(*) FILTER (WHERE channel = 'email' AND status IN ('opened', 'clicked'))::int AS opened,
       count(*) FILTER (WHERE machine_opened_at IS NOT NULL AND status IN (?))::int AS machine_opened,
       count(*) FILTER (WHERE status = 'clicked')::int AS clicked,
       count(*) FILTER (WHERE status IN (?))::int AS failed
     FROM flows_message
     WHERE run_id IS NOT NULL AND deleted_at IS NULL AND ${where.sql}
     GROUP BY flow_id, step_id, channel`,
    [SENT, REACHED, NOT_DELIVERED, ...where.params]
  )
}

/**
 * Per flow, step and currency: orders credited and their revenue, net of refunds. A canceled order no longer
 * counts as converted (it is `canceled`) and its revenue is taken back in full.
 */
export async function conversionCounts(db: Database, range: AnalyticsRange) {
  const where = scope(range, "ordered_at", "flow_id")
  return await db.rows(
    `SELECT flow_id, step_id, channel, currency_code, count(*) FILTER (WHERE canceled_at IS NULL)::int AS converted,
       count(*) FILTER (WHERE canceled_at IS NOT NULL)::int AS canceled,
       sum(amount - refunded_amount)::float AS revenue, sum(refunded_amount)::float AS refunded
     FROM flows_conversion WHERE deleted_at IS NULL AND ${where.sql}
     GROUP BY flow_id, step_id, channel, currency_code`,
    where.params
  )
}

/** Per flow and step: people who unsubscribed or texted STOP, credited to the message that made them. */
export async function unsubscribeCounts(db: Database, range: AnalyticsRange) {
  const where = scope(range, "e.occurred_at", "e.flow_id")
  return await db.rows(
    `SELECT e.flow_id, m.step_id, count(*)::int AS unsubscribed
     FROM flows_contact_event e LEFT JOIN flows_message m ON m.id = e.message_id
     WHERE e.type IN (${UNSUBSCRIBE_EVENTS.map((type) => `'${type}'`).join(", ")}) AND e.flow_id IS NOT NULL
       AND e.deleted_at IS NULL AND ${where.sql}
     GROUP BY e.flow_id, m.step_id`,
    // The types are written into the SQL, not bound, so the planner can use the partial index on them.
    where.params
  )
}

/** Per UTC day: messages sent, opened and clicked, and orders credited, for the charts. */
export async function dailyCounts(db: Database, range: AnalyticsRange) {
  const messages = scope(range, "created_at", "flow_id")
  const orders = scope(range, "ordered_at", "flow_id")
  return await db.rows(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(sent)::int AS sent, sum(opened)::int AS opened,
       sum(machine_opened)::int AS machine_opened, sum(clicked)::int AS clicked, sum(converted)::int AS converted
     FROM (
       SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AS day,
         count(*) FILTER (WHERE status IN (?)) AS sent,
         count(*) FILTER (WHERE channel = 'email' AND status IN ('opened', 'clicked')) AS opened,
         count(*) FILTER (WHERE machine_opened_at IS NOT NULL AND status IN (?)) AS machine_opened,
         count(*) FILTER (WHERE status = 'clicked') AS clicked, 0 AS converted
       FROM flows_message WHERE run_id IS NOT NULL AND deleted_at IS NULL AND ${messages.sql} GROUP BY 1
       UNION ALL
       SELECT date_trunc('day', ordered_at AT TIME ZONE 'UTC'), 0, 0, 0, 0, count(*) FILTER (WHERE canceled_at IS NULL)
       FROM flows_conversion WHERE deleted_at IS NULL AND ${orders.sql} GROUP BY 1
     ) per_day
     GROUP BY day ORDER BY day`,
    [SENT, REACHED, ...messages.params, ...orders.params]
  )
}

/**
 * Per step and link of one flow: the messages whose link was clicked (once per message, however often), for
 * click-through per link. Read raw, by the (flow, time) index of clicks: one flow's clicks, not every flow's. A link is its address without query or fragment, so every recipient's signed
 * recovery link is one link; a text's short link is its recovery link.
 */
export async function linkClicks(db: Database, range: AnalyticsRange & { flow_id: string }) {
  const where = scope(range, "e.occurred_at", "e.flow_id")
  return await db.rows(
    `SELECT e.flow_id, m.step_id, m.channel,
       COALESCE(NULLIF(split_part(split_part(e.data->>'url', chr(63), 1), '#', 1), ''), e.data->>'link', 'unknown') AS url,
       count(DISTINCT e.message_id)::int AS clicked
     FROM flows_contact_event e JOIN flows_message m ON m.id = e.message_id AND m.run_id IS NOT NULL
     WHERE e.type IN ('email.clicked', 'sms.clicked') AND e.flow_id IS NOT NULL AND e.deleted_at IS NULL
       AND ${where.sql}
     GROUP BY 1, 2, 3, 4
     ORDER BY clicked DESC
     LIMIT 1000`,
    where.params
  )
}

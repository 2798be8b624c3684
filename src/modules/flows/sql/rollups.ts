import type { Database } from "./database"
import { NOT_DELIVERED, REACHED, SENT, UNSUBSCRIBE_EVENTS } from "./message-statuses"

const DAY_MS = 86_400_000

/** The UTC midnight at or before `date`. */
export function dayStart(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS)
}

/** The UTC midnight at or after `date`. */
export function dayEnd(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / DAY_MS) * DAY_MS)
}

const UNSUBSCRIBES = UNSUBSCRIBE_EVENTS.map((type) => `'${type}'`).join(", ")

/**
 * The figures of the given UTC days, per flow, step, channel and currency, computed from the raw tables
 * exactly as the raw analytics reads count them (sql/analytics.ts). Each source is read by its time index,
 * one range per day.
 */
const DAY_FIGURES = `
  SELECT d.day, COALESCE(m.flow_id, '') AS flow_id, COALESCE(m.step_id, '') AS step_id, m.channel::text AS channel,
    '' AS currency_code,
    count(*) FILTER (WHERE m.status IN (:sent)) AS sent,
    count(*) FILTER (WHERE m.status IN ('delivered', 'opened', 'clicked')) AS delivered,
    count(*) FILTER (WHERE m.channel = 'email' AND m.status IN ('opened', 'clicked')) AS opened,
    count(*) FILTER (WHERE m.machine_opened_at IS NOT NULL AND m.status IN (:reached)) AS machine_opened,
    count(*) FILTER (WHERE m.status = 'clicked') AS clicked,
    count(*) FILTER (WHERE m.status IN (:failed)) AS failed,
    0 AS converted, 0 AS canceled, 0 AS unsubscribed, 0 AS revenue, 0 AS refunded
  FROM days d JOIN flows_message m ON m.created_at >= d.day AND m.created_at < d.day + interval '1 day'
  WHERE m.run_id IS NOT NULL AND m.deleted_at IS NULL
  GROUP BY 1, 2, 3, 4
  UNION ALL
  SELECT d.day, c.flow_id, c.step_id, c.channel::text, c.currency_code, 0, 0, 0, 0, 0, 0,
    count(*) FILTER (WHERE c.canceled_at IS NULL), count(*) FILTER (WHERE c.canceled_at IS NOT NULL), 0,
    sum(c.amount - c.refunded_amount), sum(c.refunded_amount)
  FROM days d JOIN flows_conversion c ON c.ordered_at >= d.day AND c.ordered_at < d.day + interval '1 day'
  WHERE c.deleted_at IS NULL
  GROUP BY 1, 2, 3, 4, 5
  UNION ALL
  SELECT d.day, e.flow_id, COALESCE(m.step_id, ''),
    COALESCE(m.channel::text, CASE WHEN e.type LIKE 'sms.%' THEN 'sms' ELSE 'email' END), '',
    0, 0, 0, 0, 0, 0, 0, 0, count(*), 0, 0
  FROM days d JOIN flows_contact_event e ON e.occurred_at >= d.day AND e.occurred_at < d.day + interval '1 day'
    LEFT JOIN flows_message m ON m.id = e.message_id
  WHERE e.type IN (${UNSUBSCRIBES}) AND e.flow_id IS NOT NULL AND e.deleted_at IS NULL
  GROUP BY 1, 2, 3, 4`

function bind(sql: string) {
  // Named lists are written as positional ? for the Database, in the order they appear.
  const params: unknown[] = []
  const text = sql.replace(/:(sent|reached|failed)\b/g, (_, name: string) => {
    params.push(name === "sent" ? SENT : name === "reached" ? REACHED : NOT_DELIVERED)
    return "?"
  })
  return { text, params }
}

/**
 * Rebuilds the rollup of up to `limit` days that changed since they were built, newest first, and returns
 * them. A day is taken only when no transaction that wrote to it is still open (the triggers hold a shared
 * advisory lock on it until commit), so the rebuild never misses a write in flight; a day skipped now stays
 * listed for the next fold. Safe to run from several workers at once.
 */
export async function foldDirtyDays(db: Database, limit: number, now: Date): Promise<Date[]> {
  return await db.transaction(async (tx) => {
    const candidates = await tx.rows(
      `SELECT id, day FROM flows_rollup_dirty_day WHERE deleted_at IS NULL ORDER BY day DESC LIMIT ? FOR UPDATE SKIP LOCKED`,
      [limit]
    )
    const days: Date[] = []
    const ids: string[] = []
    for (const row of candidates) {
      const lock = await tx.first(
        `SELECT pg_try_advisory_xact_lock(hashtext('medusa-plugin-flows:rollup'), (extract(epoch FROM ?::timestamptz) / 86400)::int) AS ok`,
        [row.day]
      )
      if (lock?.ok) {
        days.push(new Date(row.day))
        ids.push(row.id)
      }
    }
    if (!days.length) {
      return []
    }
    await tx.rows(`DELETE FROM flows_rollup_dirty_day WHERE id IN (?)`, [ids])
    await tx.rows(`DELETE FROM flows_daily_stat WHERE day IN (?)`, [days])
    const figures = bind(DAY_FIGURES)
    await tx.rows(
      `WITH days AS (SELECT unnest(ARRAY[?]::timestamptz[]) AS day)
       INSERT INTO flows_daily_stat (id, day, flow_id, step_id, channel, currency_code, sent, delivered, opened,
         machine_opened, clicked, failed, converted, canceled, unsubscribed, revenue, raw_revenue, refunded, raw_refunded,
         created_at, updated_at)
       SELECT 'flowday_' || md5(day::text || '|' || flow_id || '|' || step_id || '|' || channel || '|' || currency_code),
         day, flow_id, step_id, channel, currency_code, sum(sent), sum(delivered), sum(opened), sum(machine_opened),
         sum(clicked), sum(failed), sum(converted), sum(canceled), sum(unsubscribed),
         sum(revenue), jsonb_build_object('value', sum(revenue)::text, 'precision', 20),
         sum(refunded), jsonb_build_object('value', sum(refunded)::text, 'precision', 20), ?, ?
       FROM (${figures.text}) figures
       GROUP BY day, flow_id, step_id, channel, currency_code`,
      [days, now, now, ...figures.params]
    )
    return days
  })
}

/** The days of [from, to) whose rollup is out of date (or was never built). */
export async function dirtyDays(db: Database, from: Date, to: Date): Promise<Date[]> {
  const rows = await db.rows(`SELECT day FROM flows_rollup_dirty_day WHERE deleted_at IS NULL AND day >= ? AND day < ? ORDER BY day`, [
    from,
    to,
  ])
  return rows.map((row) => new Date(row.day))
}

/**
 * The rollup's figures over whole UTC days [from, to), leaving out `except` (days read raw instead), per
 * flow, step, channel and currency, in the shape of the raw reads (`messageCounts` and `conversionCounts`
 * rows together, with unsubscribes).
 */
export async function rollupCounts(db: Database, range: { from: Date; to: Date; flow_id?: string | null }, except: Date[]) {
  const flow = range.flow_id ? " AND flow_id = ?" : ""
  const skip = except.length ? " AND day NOT IN (?)" : ""
  return await db.rows(
    `SELECT NULLIF(flow_id, '') AS flow_id, NULLIF(step_id, '') AS step_id, NULLIF(channel, '') AS channel,
       NULLIF(currency_code, '') AS currency_code,
       sum(sent)::int AS sent, sum(delivered)::int AS delivered, sum(opened)::int AS opened,
       sum(machine_opened)::int AS machine_opened, sum(clicked)::int AS clicked, sum(failed)::int AS failed,
       sum(converted)::int AS converted, sum(canceled)::int AS canceled, sum(unsubscribed)::int AS unsubscribed,
       CASE WHEN currency_code = '' THEN NULL ELSE sum(revenue)::float END AS revenue,
       CASE WHEN currency_code = '' THEN NULL ELSE sum(refunded)::float END AS refunded
     FROM flows_daily_stat
     WHERE deleted_at IS NULL AND day >= ? AND day < ?${flow}${skip}
     GROUP BY flow_id, step_id, channel, currency_code`,
    [range.from, range.to, ...(range.flow_id ? [range.flow_id] : []), ...(except.length ? [except] : [])]
  )
}

/** The rollup's figures per UTC day over whole days [from, to), leaving out `except`, for the charts. */
export async function rollupDaily(db: Database, range: { from: Date; to: Date; flow_id?: string | null }, except: Date[]) {
  const flow = range.flow_id ? " AND flow_id = ?" : ""
  const skip = except.length ? " AND day NOT IN (?)" : ""
  return await db.rows(
    `SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, sum(sent)::int AS sent, sum(opened)::int AS opened,
       sum(machine_opened)::int AS machine_opened, sum(clicked)::int AS clicked, sum(converted)::int AS converted
     FROM flows_daily_stat
     WHERE deleted_at IS NULL AND day >= ? AND day < ?${flow}${skip}
     GROUP BY day ORDER BY day`,
    [range.from, range.to, ...(range.flow_id ? [range.flow_id] : []), ...(except.length ? [except] : [])]
  )
}

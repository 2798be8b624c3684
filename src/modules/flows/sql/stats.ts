import type { Database } from "./database"
import { SENT } from "./message-statuses"

/**
 * Per flow: runs in progress, and messages sent since `since` with how many were opened and clicked,
 * and the orders credited to them. Reads the (flow_id, time) indexes, so only the period asked for.
 */
export async function flowStats(db: Database, since: Date) {
  return await db.rows(
    `SELECT f.id AS flow_id,
       (SELECT count(*)::int FROM flows_run r WHERE r.flow_id = f.id AND r.status = 'active' AND r.deleted_at IS NULL) AS active_runs,
       (SELECT count(*)::int FROM flows_conversion c WHERE c.flow_id = f.id AND c.ordered_at >= ? AND c.deleted_at IS NULL) AS converted,
       (SELECT COALESCE(jsonb_agg(jsonb_build_object('currency_code', currency_code, 'amount', amount)), '[]'::jsonb)
          FROM (SELECT currency_code, sum(amount)::float AS amount FROM flows_conversion c
                WHERE c.flow_id = f.id AND c.ordered_at >= ? AND c.deleted_at IS NULL GROUP BY currency_code) per_currency
       ) AS revenue,
       count(m.id) FILTER (WHERE m.status IN (?))::int AS sent,
       count(m.id) FILTER (WHERE m.channel = 'email' AND m.status IN ('opened', 'clicked'))::int AS opened,
       count(m.id) FILTER (WHERE m.status = 'clicked')::int AS clicked
     FROM flows_flow f
     LEFT JOIN flows_message m ON m.flow_id = f.id AND m.run_id IS NOT NULL AND m.created_at >= ? AND m.deleted_at IS NULL
     WHERE f.deleted_at IS NULL
     GROUP BY f.id`,
    [since, since, SENT, since]
  )
}

/**
 * One flow's runs in progress per step they are at (`step_id` null: entered, not yet looked at by the
 * scheduler). Reads the flow's active runs through the partial unique index on (flow_id, subject) of them.
 */
export async function activeRunsByStep(db: Database, flowId: string) {
  return await db.rows(
    `SELECT step_id, count(*)::int AS waiting FROM flows_run
     WHERE flow_id = ? AND status = 'active' AND deleted_at IS NULL
     GROUP BY step_id`,
    [flowId]
  )
}

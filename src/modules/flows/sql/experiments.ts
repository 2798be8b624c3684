import { newId } from "./ids"
import type { RunRow } from "../types"
import type { Database } from "./database"
import type { Trail } from "./runs"

/**
 * Records an order against every run of the buyer that was going on when it was placed, or had ended
 * within the attribution window before: held-out runs too, which is how a holdout's orders are tracked.
 * The run an order itself started (a post-purchase flow) is not credited with it. Safe to call twice.
 */
export async function recordRunOrders(
  db: Database,
  order: { order_id: string; contact_id: string; amount: number; currency_code: string; ordered_at: Date; ended_since: Date }
) {
  await db.rows(
    `INSERT INTO flows_run_order (id, run_id, flow_id, order_id, amount, raw_amount, currency_code, ordered_at,
       created_at, updated_at)
     SELECT 'flowrunord_' || md5(r.id || ':' || ?), r.id, r.flow_id, ?, ?, ?::jsonb, ?, ?, ?, ?
     FROM flows_run r
     WHERE r.contact_id = ? AND r.created_at < ? AND (r.ended_at IS NULL OR r.ended_at >= ?)
       AND r.order_id IS DISTINCT FROM ? AND r.deleted_at IS NULL
     ON CONFLICT (run_id, order_id) WHERE deleted_at IS NULL DO NOTHING`,
    [
      order.order_id,
      order.order_id,
      order.amount,
      JSON.stringify({ value: String(order.amount), precision: 20 }),
      order.currency_code.toLowerCase(),
      order.ordered_at,
      order.ordered_at,
      order.ordered_at,
      order.contact_id,
      order.ordered_at,
      order.ended_since,
      order.order_id,
    ]
  )
}

/** Records the variants a run was randomly given at splits (from its trail). A promoted winner is not a draw: not recorded. */
export async function recordSplitAssignments(db: Database, run: Pick<RunRow, "id" | "flow_id">, trail: Trail, now: Date) {
  const drawn = trail.filter((entry) => entry.type === "split" && !entry.winner)
  for (const entry of drawn) {
    await db.rows(
      `INSERT INTO flows_split_assignment (id, run_id, flow_id, split_id, variant, assigned_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, split_id) WHERE deleted_at IS NULL DO NOTHING`,
      [newId("flowsplit"), run.id, run.flow_id, entry.step_id, entry.outcome, now, now, now]
    )
  }
}

export type ExperimentRange = { flow_id: string; from: Date; to: Date }

/**
 * Per split and variant: runs given the variant in the period (recipients) and how many of them ordered
 * after they were given it (converted). Reads the flow's assignments through their (flow_id, split_id) index.
 */
export async function splitConversions(db: Database, range: ExperimentRange) {
  return await db.rows(
    `SELECT a.split_id, a.variant, count(*)::int AS recipients,
       count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM flows_run_order o
         WHERE o.run_id = a.run_id AND o.ordered_at >= a.assigned_at AND o.deleted_at IS NULL))::int AS converted
     FROM flows_split_assignment a
     WHERE a.flow_id = ? AND a.assigned_at >= ? AND a.assigned_at < ? AND a.deleted_at IS NULL
     GROUP BY a.split_id, a.variant`,
    [range.flow_id, range.from, range.to]
  )
}

/** Per split, variant and currency: the sum, and sum of squares, of what each recipient spent after assignment. */
export async function splitRevenue(db: Database, range: ExperimentRange) {
  return await db.rows(
    `SELECT split_id, variant, currency_code, sum(spent)::float AS sum, sum(spent * spent)::float AS sum_squares
     FROM (
       SELECT a.split_id, a.variant, a.run_id, o.currency_code, sum(o.amount) AS spent
       FROM flows_split_assignment a
       JOIN flows_run_order o ON o.run_id = a.run_id AND o.ordered_at >= a.assigned_at AND o.deleted_at IS NULL
       WHERE a.flow_id = ? AND a.assigned_at >= ? AND a.assigned_at < ? AND a.deleted_at IS NULL
       GROUP BY a.split_id, a.variant, a.run_id, o.currency_code
     ) per_recipient
     GROUP BY split_id, variant, currency_code`,
    [range.flow_id, range.from, range.to]
  )
}

/**
 * The flow's entrants in the period, held out or not, and how many ordered after entering. Only runs that
 * started once the flow had a holdout are compared, so both groups come from the same weeks.
 */
const HOLDOUT_ENTRANTS = `
  SELECT r.id, r.holdout, r.created_at FROM flows_run r
  WHERE r.flow_id = ? AND r.created_at >= ? AND r.created_at < ? AND r.deleted_at IS NULL
    AND r.created_at >= (SELECT min(h.created_at) FROM flows_run h
                         WHERE h.flow_id = ? AND h.holdout AND h.deleted_at IS NULL)`

export async function holdoutConversions(db: Database, range: ExperimentRange) {
  return await db.rows(
    `SELECT e.holdout, count(*)::int AS entrants,
       count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM flows_run_order o WHERE o.run_id = e.id AND o.deleted_at IS NULL))::int AS converted
     FROM (${HOLDOUT_ENTRANTS}) e
     GROUP BY e.holdout`,
    [range.flow_id, range.from, range.to, range.flow_id]
  )
}

export async function holdoutRevenue(db: Database, range: ExperimentRange) {
  return await db.rows(
    `SELECT holdout, currency_code, sum(spent)::float AS sum, sum(spent * spent)::float AS sum_squares
     FROM (
       SELECT e.holdout, e.id, o.currency_code, sum(o.amount) AS spent
       FROM (${HOLDOUT_ENTRANTS}) e JOIN flows_run_order o ON o.run_id = e.id AND o.deleted_at IS NULL
       GROUP BY e.holdout, e.id, o.currency_code
     ) per_entrant
     GROUP BY holdout, currency_code`,
    [range.flow_id, range.from, range.to, range.flow_id]
  )
}

/**
 * After a promotion: the flow's active runs on the version the winner was promoted from that have not
 * reached the split move to the new version, so they take the winner. Runs already past it stay.
 */
export async function moveRunsBeforeSplit(
  db: Database,
  move: { flow_id: string; from_version_id: string; to_version_id: string; split_id: string; now: Date }
) {
  const rows = await db.rows(
    `UPDATE flows_run r SET flow_version_id = ?, updated_at = ?
     WHERE r.flow_id = ? AND r.flow_version_id = ? AND r.status = 'active' AND r.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM flows_split_assignment a
                       WHERE a.run_id = r.id AND a.split_id = ? AND a.deleted_at IS NULL)
       AND NOT (COALESCE(r.context->'trail', '[]'::jsonb) @> ?::jsonb)
     RETURNING r.id`,
    [move.to_version_id, move.now, move.flow_id, move.from_version_id, move.split_id, JSON.stringify([{ step_id: move.split_id }])]
  )
  return rows.map((row) => row.id as string)
}

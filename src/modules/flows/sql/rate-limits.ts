import { generateEntityId } from "@medusajs/framework/utils"
import type { Database } from "./database"

const WINDOW_MS = 60_000
/** Windows older than this are deleted as new ones open. */
const KEPT_MS = 3_600_000

/**
 * Counts a hit for each key in the current minute and returns the highest count among them. One
 * upsert per key, so parallel requests each see a distinct count and at most `limit` of them pass.
 */
export async function countHits(db: Database, keys: string[], now: Date): Promise<number> {
  const windowStart = new Date(Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS)
  let highest = 0
  for (const key of keys) {
    const row = await db.first(
      `INSERT INTO flows_rate_limit (id, key, window_start, hits, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT (key, window_start) WHERE deleted_at IS NULL DO UPDATE SET hits = flows_rate_limit.hits + 1
       RETURNING hits`,
      [generateEntityId(undefined, "flowrtl"), key, windowStart, now, now]
    )
    const hits = row!.hits as number
    if (hits === 1) {
      await db.rows(`DELETE FROM flows_rate_limit WHERE window_start < ?`, [new Date(windowStart.getTime() - KEPT_MS)])
    }
    highest = Math.max(highest, hits)
  }
  return highest
}

import { newId } from "./ids"
import type { Database } from "./database"

const WINDOW_MS = 60_000
/** Windows older than this are deleted as new ones open. */
const KEPT_MS = 3_600_000

/**
 * Counts a hit for each key and returns the highest number of hits any of them had in the last minute.
 * The current minute is counted by one upsert, so parallel requests each see a distinct count and at most
 * the limit of them pass. The minute before is weighted by how much of it is still within the last
 * sixty seconds (a sliding window), so a burst across the turn of a minute cannot pass twice the limit.
 */
export async function countHits(db: Database, keys: string[], now: Date): Promise<number> {
  const windowStart = new Date(Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS)
  const previousStart = new Date(windowStart.getTime() - WINDOW_MS)
  const stillRecent = 1 - (now.getTime() - windowStart.getTime()) / WINDOW_MS
  let highest = 0
  for (const key of keys) {
    const row = await db.first(
      `INSERT INTO flows_rate_limit (id, key, window_start, hits, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT (key, window_start) WHERE deleted_at IS NULL DO UPDATE SET hits = flows_rate_limit.hits + 1
       RETURNING hits`,
      [newId("flowrtl"), key, windowStart, now, now]
    )
    const hits = row!.hits as number
    if (hits === 1) {
      await db.rows(`DELETE FROM flows_rate_limit WHERE window_start < ?`, [new Date(windowStart.getTime() - KEPT_MS)])
    }
    const previous = await db.first(`SELECT hits FROM flows_rate_limit WHERE key = ? AND window_start = ? AND deleted_at IS NULL`, [
      key,
      previousStart,
    ])
    highest = Math.max(highest, hits + ((previous?.hits as number | undefined) ?? 0) * stillRecent)
  }
  return highest
}

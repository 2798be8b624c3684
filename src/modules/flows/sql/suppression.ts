import { newId } from "./ids"
import type { ChannelName } from "../../../engine/constants"
import type { Database } from "./database"

/** The hashes among `hashes` that are on the suppression list. */
export async function suppressedAmong(db: Database, hashes: string[]): Promise<Set<string>> {
  if (!hashes.length) {
    return new Set()
  }
  const rows = await db.rows(`SELECT hash FROM flows_suppression WHERE hash IN (?) AND deleted_at IS NULL`, [hashes])
  return new Set(rows.map((row) => row.hash as string))
}

/** Adds entries once; an address already on the list keeps its first entry. Returns how many were new. */
export async function addSuppressions(
  db: Database,
  entries: { hash: string; channel: ChannelName }[],
  reason: string,
  now: Date
): Promise<number> {
  let added = 0
  for (const entry of entries) {
    const row = await db.first(
      `INSERT INTO flows_suppression (id, hash, channel, reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (hash) WHERE deleted_at IS NULL DO NOTHING RETURNING id`,
      [newId("flowsup"), entry.hash, entry.channel, reason, now, now]
    )
    added += row ? 1 : 0
  }
  return added
}

/** Removes an entry (a confirmed opt-in from that address or number); true when there was one. */
export async function liftSuppression(db: Database, hash: string): Promise<boolean> {
  const rows = await db.rows(`DELETE FROM flows_suppression WHERE hash = ? RETURNING id`, [hash])
  return rows.length > 0
}

import { newId } from "./ids"
import type { Database } from "./database"

/**
 * Stores a short link, or makes the same link last until `expires_at` if that is later. False when the
 * code already leads somewhere else: two links whose codes collide.
 */
export async function saveShortLink(
  db: Database,
  link: { code: string; cart_id: string; message_key: string | null; expires_at: Date },
  now: Date
): Promise<boolean> {
  const saved = await db.first(
    `INSERT INTO flows_short_link (id, code, cart_id, message_key, expires_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (code) WHERE deleted_at IS NULL
     DO UPDATE SET expires_at = GREATEST(flows_short_link.expires_at, EXCLUDED.expires_at), updated_at = EXCLUDED.updated_at
       WHERE flows_short_link.cart_id = EXCLUDED.cart_id AND flows_short_link.message_key IS NOT DISTINCT FROM EXCLUDED.message_key
     RETURNING id`,
    [newId("flowlnk"), link.code, link.cart_id, link.message_key, link.expires_at, now, now]
  )
  return Boolean(saved)
}

export async function findShortLink(db: Database, code: string) {
  const row = await db.first(`SELECT cart_id, message_key, expires_at FROM flows_short_link WHERE code = ? AND deleted_at IS NULL`, [code])
  return row
    ? { cart_id: row.cart_id as string, message_key: row.message_key as string | null, expires_at: new Date(row.expires_at) }
    : null
}

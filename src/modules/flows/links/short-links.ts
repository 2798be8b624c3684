import { SHORT_LINK_LIFETIME_MS, shortLinkCode, shortLinkUrl } from "./signed-links"
import type { Database } from "../sql/database"
import { findMessage, recordMessageEvent } from "../sql/provider-events"
import { findShortLink, saveShortLink } from "../sql/short-links"

/**
 * The short recovery link a text carries: stored, so `/flows/r/<code>` can find the cart. Null in the
 * unlikely case that its code is taken by another link; the caller then uses the signed link.
 */
export async function shortRecoveryLink(
  db: Database,
  options: { secret: string; backendUrl: string },
  cartId: string,
  messageKey: string | null,
  now: Date
): Promise<string | null> {
  const code = shortLinkCode(options.secret, cartId, messageKey)
  const expires_at = new Date(now.getTime() + SHORT_LINK_LIFETIME_MS)
  const saved = await saveShortLink(db, { code, cart_id: cartId, message_key: messageKey, expires_at }, now)
  return saved ? shortLinkUrl(options.backendUrl, code) : null
}

export type OpenedShortLink = { cart_id: string } | { invalid: "unknown" | "expired" }

/**
 * The cart a short link leads to. A person's tap (`countClick`) marks the text that carried it clicked,
 * once on their timeline, so the text gets the credit for an order that follows.
 */
export async function openShortLink(db: Database, code: string, countClick: boolean, now: Date): Promise<OpenedShortLink> {
  const link = await findShortLink(db, code)
  if (!link) {
    return { invalid: "unknown" }
  }
  if (link.expires_at <= now) {
    return { invalid: "expired" }
  }
  const message = countClick ? await findMessage(db, { idempotency_key: link.message_key }) : undefined
  if (message) {
    await recordMessageEvent(
      db,
      message,
      {
        status: "clicked",
        type: "sms.clicked",
        occurred_at: now,
        dedupe_key: `sms.clicked:${message.id}`,
        // Click-through per link names a text's short link by what it leads to.
        data: { link: "recovery" },
      },
      now
    )
  }
  return { cart_id: link.cart_id }
}

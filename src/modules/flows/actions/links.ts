import { linksFor } from "../links/signed-links"
import * as shortLinks from "../links/short-links"
import type { ModuleContext } from "./context"
import type { ChannelName } from "../../../engine/constants"

/**
 * The short recovery link for a text about `cartId`. `carriedBy` is the idempotency key of the message
 * that will carry it (null for previews and test sends), so a tap counts as that message's click.
 * Null if the link's code is taken by another link (the signed link serves then).
 */
export async function shortRecoveryLink(
  ctx: ModuleContext,
  cartId: string,
  carriedBy: string | null,
  now = new Date()
): Promise<string | null> {
  return await shortLinks.shortRecoveryLink(ctx.db, ctx.options, cartId, carriedBy, now)
}

/**
 * The links a message carries. A text's recovery link is the short one (a signed link alone would take
 * two segments); `carriedBy` is the message's idempotency key, null for previews and test sends.
 */
export async function messageLinks(
  ctx: ModuleContext,
  ids: { cart_id?: string | null; contact_id?: string | null; flow_id?: string | null },
  channel: ChannelName,
  carriedBy: string | null,
  now = new Date()
) {
  const links = linksFor(ctx.options, ids)
  const short = channel === "sms" && ids.cart_id ? await shortRecoveryLink(ctx, ids.cart_id, carriedBy, now) : null
  return { ...links, recovery: short ?? links.recovery }
}

/** Where a short link leads; a tap by a person (not a link-preview bot) counts as a click. */
export async function openShortLink(ctx: ModuleContext, code: string, countClick: boolean, now = new Date()) {
  return await shortLinks.openShortLink(ctx.db, code, countClick, now)
}

import { createHmac, createSecretKey, type KeyObject } from "node:crypto"
import jwt from "jsonwebtoken"

export type LinkPurpose = "recover" | "unsubscribe" | "confirm_email"

type Claims = { purpose: LinkPurpose; sub: string; flow?: string; email?: string }

const LIFETIME: Record<LinkPurpose, string> = {
  recover: "30d",
  // Unsubscribe links must keep working for as long as people keep old emails.
  unsubscribe: "3650d",
  confirm_email: "7d",
}

const signingKeys = new Map<string, KeyObject>()

/** The secret as a key object, made once: jsonwebtoken would otherwise build one for every token. */
function signingKey(secret: string): KeyObject {
  let key = signingKeys.get(secret)
  if (!key) {
    key = createSecretKey(Buffer.from(secret, "utf8"))
    signingKeys.set(secret, key)
  }
  return key
}

/**
 * `flowId` scopes an unsubscribe link to the flow whose message carried it; `email` ties an email
 * confirmation to the address it was sent to.
 */
export function signLinkToken(secret: string, purpose: LinkPurpose, subject: string, flowId?: string | null, email?: string): string {
  return jwt.sign({ purpose, ...(flowId ? { flow: flowId } : {}), ...(email ? { email } : {}) }, signingKey(secret), {
    subject,
    expiresIn: LIFETIME[purpose] as jwt.SignOptions["expiresIn"],
    algorithm: "HS256",
  })
}

export class InvalidLinkError extends Error {}

/** The subject (cart id, contact id) and flow of a valid token for `purpose`; else throws InvalidLinkError. */
export function verifyLinkToken(
  secret: string,
  purpose: LinkPurpose,
  token: string
): { subject: string; flow: string | null; email: string | null } {
  try {
    const claims = jwt.verify(token, signingKey(secret), { algorithms: ["HS256"] }) as Claims
    if (claims.purpose !== purpose || !claims.sub) {
      throw new InvalidLinkError("This link is not valid for this page.")
    }
    return { subject: claims.sub, flow: claims.flow ?? null, email: claims.email ?? null }
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) {
      throw new InvalidLinkError("This link has expired.")
    }
    if (error instanceof InvalidLinkError) {
      throw error
    }
    throw new InvalidLinkError("This link is not valid.")
  }
}

export function linksFor(
  options: { backendUrl: string; secret: string },
  ids: { cart_id?: string | null; contact_id?: string | null; flow_id?: string | null }
) {
  const url = (path: string, purpose: LinkPurpose, subject: string, flowId?: string | null) =>
    `${options.backendUrl}/flows/${path}?token=${encodeURIComponent(signLinkToken(options.secret, purpose, subject, flowId))}`
  const unsubscribe = ids.contact_id ? url("unsubscribe", "unsubscribe", ids.contact_id, ids.flow_id) : null
  return {
    recovery: ids.cart_id ? url("recover", "recover", ids.cart_id) : null,
    unsubscribe,
    preferences: unsubscribe,
  }
}

/**
 * Finds the recipient's own links in rendered content: the signed ones `linksFor` and
 * `emailConfirmationLink` make (`/flows/<page>?token=…`) and short ones (`/flows/r/<code>`). The first
 * group is the part that differs per recipient: the token or the code.
 */
export function personalLinkPattern(backendUrl: string): RegExp {
  const base = backendUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  return new RegExp(`${base}/flows/(?:r/|[a-z-]+\\?token=)([A-Za-z0-9._~%-]+)`, "g")
}

/** The link in the email that asks an unsubscribed address to confirm a new sign-up. */
export function emailConfirmationLink(options: { backendUrl: string; secret: string }, contactId: string, email: string): string {
  const token = signLinkToken(options.secret, "confirm_email", contactId, null, email)
  return `${options.backendUrl}/flows/confirm-email?token=${encodeURIComponent(token)}`
}

/** How long a text's short recovery link works: as long as the signed one. */
export const SHORT_LINK_LIFETIME_MS = 30 * 86_400_000

/**
 * The code of a short recovery link: derived with the secret, so it cannot be guessed (72 bits) and the
 * same cart and message always get the same code, however often the step is rendered.
 */
export function shortLinkCode(secret: string, cartId: string, messageKey: string | null): string {
  return createHmac("sha256", secret)
    .update(`recover:${cartId}:${messageKey ?? ""}`)
    .digest("base64url")
    .slice(0, 12)
}

export function shortLinkUrl(backendUrl: string, code: string): string {
  return `${backendUrl}/flows/r/${code}`
}

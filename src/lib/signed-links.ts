import jwt from "jsonwebtoken"

export type LinkPurpose = "recover" | "unsubscribe"

type Claims = { purpose: LinkPurpose; sub: string }

const LIFETIME: Record<LinkPurpose, string> = {
  recover: "30d",
  // Unsubscribe links must keep working for as long as people keep old emails.
  unsubscribe: "3650d",
}

export function signLinkToken(secret: string, purpose: LinkPurpose, subject: string): string {
  return jwt.sign({ purpose }, secret, {
    subject,
    expiresIn: LIFETIME[purpose] as jwt.SignOptions["expiresIn"],
    algorithm: "HS256",
  })
}

export class InvalidLinkError extends Error {}

/** Returns the subject (cart id, contact id) of a valid token for `purpose`, or throws InvalidLinkError. */
export function verifyLinkToken(secret: string, purpose: LinkPurpose, token: string): string {
  try {
    const claims = jwt.verify(token, secret, { algorithms: ["HS256"] }) as Claims
    if (claims.purpose !== purpose || !claims.sub) {
      throw new InvalidLinkError("This link is not valid for this page.")
    }
    return claims.sub
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
  ids: { cart_id?: string | null; contact_id?: string | null }
) {
  const base = options.backendUrl.replace(/\/$/, "")
  const url = (path: string, purpose: LinkPurpose, subject: string) =>
    `${base}/flows/${path}?token=${encodeURIComponent(signLinkToken(options.secret, purpose, subject))}`
  const unsubscribe = ids.contact_id ? url("unsubscribe", "unsubscribe", ids.contact_id) : null
  return {
    recovery: ids.cart_id ? url("recover", "recover", ids.cart_id) : null,
    unsubscribe,
    preferences: unsubscribe,
  }
}

import type { MedusaRequest } from "@medusajs/framework/http"
import proxyaddr from "proxy-addr"

/**
 * The client's IP, trusting X-Forwarded-For for exactly `trustedProxyHops` proxies. Medusa's own
 * `req.ip` trusts one hop, which lets a client with no proxy in front write its own IP in the header.
 */
export function clientIp(req: MedusaRequest, trustedProxyHops: number): string | null {
  return proxyaddr(req, (_address, hop) => hop < trustedProxyHops) || null
}

import type { MedusaRequest } from "@medusajs/framework/http"
import { clientIp } from "../client-ip"

const request = (socketAddress: string, forwardedFor?: string) =>
  ({
    headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
    socket: { remoteAddress: socketAddress },
    connection: { remoteAddress: socketAddress },
  }) as unknown as MedusaRequest

describe("clientIp", () => {
  it("ignores X-Forwarded-For with no trusted proxy, so a client cannot choose its IP", () => {
    expect(clientIp(request("198.51.100.7", "203.0.113.1"), 0)).toBe("198.51.100.7")
  })

  it("reads as many hops from the right as there are trusted proxies", () => {
    // The client wrote 6.6.6.6 itself; the load balancer appended the address it saw.
    expect(clientIp(request("10.0.0.2", "6.6.6.6, 203.0.113.9"), 1)).toBe("203.0.113.9")
    expect(clientIp(request("10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2"), 2)).toBe("203.0.113.9")
  })
})

import http, { type ServerResponse } from "node:http"
import net, { type AddressInfo } from "node:net"
import { watchRequestsInFlight } from "../requests-in-flight"

async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  expect(check()).toBe(true)
}

describe("watchRequestsInFlight", () => {
  it("counts a request from its start until it is answered or its client goes away, pipelined or not", async () => {
    // Asked twice, it still counts each request once.
    watchRequestsInFlight()
    const requestsInFlight = watchRequestsInFlight()
    const held: ServerResponse[] = []
    const server = http.createServer((_request, response) => {
      held.push(response)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    try {
      expect(requestsInFlight()).toBe(0)
      const answered = fetch(url).then((response) => response.text())
      const gone = new AbortController()
      const abandoned = fetch(url, { signal: gone.signal }).catch((error: Error) => error.name)
      await until(() => held.length === 2)
      expect(requestsInFlight()).toBe(2)

      held[0].end("done")
      expect(await answered).toBe("done")
      await until(() => requestsInFlight() === 1)

      gone.abort()
      expect(await abandoned).toBe("AbortError")
      await until(() => requestsInFlight() === 0)

      // Two requests pipelined on one connection, the second queued behind the first, and the client gone.
      const socket = net.connect((server.address() as AddressInfo).port, "127.0.0.1")
      await new Promise((resolve) => socket.once("connect", resolve))
      socket.write("GET /first HTTP/1.1\r\nHost: shop\r\n\r\nGET /second HTTP/1.1\r\nHost: shop\r\n\r\n")
      await until(() => requestsInFlight() === 2)
      socket.destroy()
      await until(() => requestsInFlight() === 0)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})

import diagnostics_channel from "node:diagnostics_channel"
import type { IncomingMessage, ServerResponse } from "node:http"

let watching = false
let inFlight = 0
const count = () => inFlight

/**
 * Starts counting the HTTP requests this process serves, from Node's `http.server.request.start` channel
 * until each response closes or its connection does, and returns the count's reader. (A pipelined request
 * still queued when its client goes away never sees its response close in Node 20, so the connection's
 * close counts too.) Medusa's server is seen without adding anything to its middleware; a process that
 * never asks pays nothing.
 */
export function watchRequestsInFlight(): () => number {
  if (!watching) {
    watching = true
    diagnostics_channel.subscribe("http.server.request.start", (message) => {
      const { request, response } = message as { request: IncomingMessage; response: ServerResponse }
      inFlight += 1
      const done = () => {
        inFlight -= 1
        response.off("close", done)
        request.socket.off("close", done)
      }
      response.once("close", done)
      request.socket.once("close", done)
    })
  }
  return count
}

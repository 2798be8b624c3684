import diagnostics_channel from "node:diagnostics_channel"
import type { ServerResponse } from "node:http"

let watching = false
let inFlight = 0
const count = () => inFlight

/**
 * Starts counting the HTTP requests this process serves, from Node's `http.server.request.start` channel
 * until each response closes (sent, or its connection gone), and returns the count's reader. Medusa's
 * server is seen without adding anything to its middleware; a process that never asks pays nothing.
 */
export function watchRequestsInFlight(): () => number {
  if (!watching) {
    watching = true
    diagnostics_channel.subscribe("http.server.request.start", (message) => {
      inFlight += 1
      ;(message as { response: ServerResponse }).response.once("close", () => {
        inFlight -= 1
      })
    })
  }
  return count
}

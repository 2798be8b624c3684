import { InProcessRateLimitedChannel } from "../../src/modules/flows/channels/rate-limited"
import { expectAtMost, messageNumber, RecordingChannel } from "./recording-channel"

describe("rate limit within one process", () => {
  it("spaces provider calls to the configured rate", async () => {
    const inner = new RecordingChannel()
    const channel = new InProcessRateLimitedChannel(inner, 4)
    const results = await Promise.all([...Array(9).keys()].map((i) => channel.deliver(messageNumber(i))))
    expect(results.map((r) => r.provider_id)).toEqual([...Array(9).keys()].map((i) => `rec_m${i}`))
    expectAtMost(inner.calls, 4)
  })
})

// A channel that records when it was called, for the rate-limit tests.
import type { Channel, DeliveryResult, OutgoingMessage } from "../../src/modules/flows/channels/types"

export class RecordingChannel implements Channel {
  readonly provider = "recording"
  readonly calls: number[] = []

  async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    this.calls.push(Date.now())
    return { status: "sent", provider_id: `rec_${message.id}` }
  }

  async checkCredentials() {
    return "recording"
  }
}

export const messageNumber = (i: number) =>
  ({
    id: `m${i}`,
    idempotency_key: `k${i}`,
    channel: "email",
    to: "a@example.com",
    flow_id: "f",
    run_id: "r",
    step_id: "s",
  }) as OutgoingMessage

/**
 * No window of one second holds more than `perSecond` calls, give or take `slackMs`.
 * Without a limiter the calls come a few milliseconds apart, so any slack well under a second still tells.
 */
export function expectAtMost(calls: number[], perSecond: number, slackMs = 50) {
  const sorted = [...calls].sort((a, b) => a - b)
  for (let i = perSecond; i < sorted.length; i++) {
    expect(sorted[i] - sorted[i - perSecond]).toBeGreaterThanOrEqual(1000 - slackMs)
  }
}

import { randomUUID } from "node:crypto"
import type { QueuedOutcome, QueuedOutcomeRecorder } from "../../src/modules/flows/channels/rate-limited"
import { BullMqRateLimitedChannel } from "../../src/modules/flows/channels/redis-rate-limited"
import { ProviderError, type Channel } from "../../src/modules/flows/channels/types"
import { expectAtMost, messageNumber, RecordingChannel } from "./recording-channel"

jest.setTimeout(30_000)

// Needs a real Redis; scripts/test.js leaves this file out, saying so, when none answers.
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379"

describe("rate limit shared through Redis (BullMQ)", () => {
  const open: BullMqRateLimitedChannel[] = []
  afterAll(() => Promise.all(open.map((c) => c.close())))

  function processChannel(inner: Channel, queue: string, waitMs = 20_000, recordOutcome?: QueuedOutcomeRecorder) {
    const channel = new BullMqRateLimitedChannel(inner, 3, REDIS_URL, queue, waitMs, recordOutcome)
    open.push(channel)
    return channel
  }

  it("holds one rate across two processes", async () => {
    const queue = `flows-test-${randomUUID()}`
    const inner = new RecordingChannel()
    // Two dispatchers on one queue stand for two Medusa workers.
    const [a, b] = [processChannel(inner, queue), processChannel(inner, queue)]
    const sends = [...Array(8).keys()].map((i) => (i % 2 ? a : b).deliver(messageNumber(i)))
    const results = await Promise.all(sends)
    expect(new Set(results.map((r) => r.provider_id)).size).toBe(8)
    expect(inner.calls).toHaveLength(8)
    // BullMQ counts a fixed window from the moment it hands out a window's first job, and the job's call
    // starts a little after that; on a loaded machine that lag reached 67 ms, so allow a quarter second.
    expectAtMost(inner.calls, 3, 250)
  })

  it("brings a provider's refusal back with its details", async () => {
    const failing: Channel = {
      provider: "failing",
      deliver: async () => {
        throw new ProviderError("SendGrid 429: too many requests", { retryable: true, code: "429", retryAfterMs: 5000 })
      },
      checkCredentials: async () => "failing",
    }
    const channel = processChannel(failing, `flows-test-${randomUUID()}`)
    const error = await channel.deliver(messageNumber(1)).catch((e) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.details).toEqual({ retryable: true, code: "429", retryAfterMs: 5000 })
  })

  it("reports a send it stopped waiting for as possibly sent, and hands over its result when the job finishes", async () => {
    let release!: () => void
    const providerAnswers = new Promise<void>((resolve) => (release = resolve))
    const slow: Channel = {
      provider: "slow",
      deliver: async (message) => {
        await providerAnswers
        return { status: "sent", provider_id: `slow_${message.id}` }
      },
      checkCredentials: async () => "slow",
    }
    let recorded!: (entry: [string, QueuedOutcome]) => void
    const outcome = new Promise<[string, QueuedOutcome]>((resolve) => (recorded = resolve))
    const channel = processChannel(slow, `flows-test-${randomUUID()}`, 200, async (id, result) => recorded([id, result]))

    const error = await channel.deliver(messageNumber(7)).catch((e) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.details).toEqual({ retryable: false, mayHaveBeenSent: true, code: "queue_timeout" })
    release()
    expect(await outcome).toEqual(["m7", { result: { status: "sent", provider_id: "slow_m7" } }])
  })
})

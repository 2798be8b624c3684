import type { Channel, DeliveryResult, OutgoingMessage, ProviderError } from "./types"

/** What a queued send came to, as the worker that ran it saw it. */
export type QueuedOutcome = { result: DeliveryResult } | { error: { message: string; details: ProviderError["details"] } }

/** Told about every queued send once it ran, by message id, on the process whose worker ran it. */
export type QueuedOutcomeRecorder = (messageId: string, outcome: QueuedOutcome) => Promise<void>

/**
 * Spaces calls at least `1000 / perSecond` ms apart within this process, counted from when the previous
 * call really started: a timer that fires late (a busy event loop) delays the calls after it rather than
 * letting them bunch up to catch up with a schedule.
 */
export class InProcessRateLimitedChannel implements Channel {
  private lastStart = -Infinity
  /** Callers take their turns one after another, in the order they asked. */
  private turns: Promise<void> = Promise.resolve()

  constructor(
    private readonly inner: Channel,
    private readonly perSecond: number
  ) {}

  get provider() {
    return this.inner.provider
  }

  /** Not rate limited: it is one call, made when the owner asks. */
  checkCredentials() {
    return this.inner.checkCredentials()
  }

  async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    const turn = this.turns.then(async () => {
      const wait = this.lastStart + 1000 / this.perSecond - Date.now()
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait))
      }
      this.lastStart = Date.now()
    })
    this.turns = turn
    await turn
    return await this.inner.deliver(message)
  }

  async close() {}
}

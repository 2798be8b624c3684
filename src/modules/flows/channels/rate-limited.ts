import { Queue, QueueEvents, Worker } from "bullmq"
import IORedis from "ioredis"
import type { Channel, DeliveryResult, OutgoingMessage } from "./types"
import { ProviderError } from "./types"

type Outcome = { result: DeliveryResult } | { error: { message: string; details: ProviderError["details"] } }

/** Spaces calls `1000 / perSecond` ms apart within this process. */
export class InProcessRateLimitedChannel implements Channel {
  private nextSlot = 0

  constructor(private readonly inner: Channel, private readonly perSecond: number) {}

  get provider() {
    return this.inner.provider
  }

  /** Not rate limited: it is one call, made when the owner asks. */
  checkCredentials() {
    return this.inner.checkCredentials()
  }

  async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    const now = Date.now()
    const slot = Math.max(now, this.nextSlot)
    this.nextSlot = slot + 1000 / this.perSecond
    await new Promise((resolve) => setTimeout(resolve, slot - now))
    return await this.inner.deliver(message)
  }

  async close() {}
}

/**
 * Sends through a BullMQ queue whose worker limiter is shared in Redis, so the rate holds across
 * every process. The caller still waits for the provider's answer, and a ProviderError keeps its
 * details on the way back. Queues and workers start on first use, so commands such as
 * `medusa db:migrate` never open Redis connections.
 */
export class BullMqRateLimitedChannel implements Channel {
  private started?: { redis: IORedis; queue: Queue; events: QueueEvents; worker: Worker }

  constructor(
    private readonly inner: Channel,
    private readonly perSecond: number,
    private readonly redisUrl: string,
    private readonly queueName: string,
    private readonly timeoutMs: number
  ) {}

  get provider() {
    return this.inner.provider
  }

  /** Not rate limited: it is one call, made when the owner asks. */
  checkCredentials() {
    return this.inner.checkCredentials()
  }

  private start() {
    if (!this.started) {
      // BullMQ duplicates this connection for the blocking clients it needs.
      const redis = new IORedis(this.redisUrl, { maxRetriesPerRequest: null })
      const queue = new Queue(this.queueName, { connection: redis })
      const events = new QueueEvents(this.queueName, { connection: redis })
      const worker = new Worker<OutgoingMessage, Outcome>(
        this.queueName,
        async (job) => {
          try {
            return { result: await this.inner.deliver(job.data) }
          } catch (error) {
            const details = error instanceof ProviderError ? error.details : { retryable: false }
            return { error: { message: (error as Error).message, details } }
          }
        },
        { connection: redis, concurrency: 10, limiter: { max: Math.max(1, Math.round(this.perSecond)), duration: 1000 } }
      )
      this.started = { redis, queue, events, worker }
    }
    return this.started
  }

  async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    const { queue, events } = this.start()
    await events.waitUntilReady()
    const job = await queue.add("deliver", message, { removeOnComplete: 1000, removeOnFail: 1000 })
    const outcome: Outcome = await job.waitUntilFinished(events, this.timeoutMs)
    if ("error" in outcome) {
      throw new ProviderError(outcome.error.message, outcome.error.details)
    }
    return outcome.result
  }

  async close() {
    if (this.started) {
      const { redis, queue, events, worker } = this.started
      await Promise.all([worker.close(), events.close(), queue.close()])
      redis.disconnect()
      this.started = undefined
    }
  }
}

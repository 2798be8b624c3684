import { Queue, QueueEvents, Worker } from "bullmq"
import IORedis from "ioredis"
import type { QueuedOutcome, QueuedOutcomeRecorder } from "./rate-limited"
import type { Channel, DeliveryResult, OutgoingMessage } from "./types"
import { ProviderError } from "./types"

/**
 * Sends through a BullMQ queue whose worker limiter is shared in Redis, so the rate holds across
 * every process. The caller still waits for the provider's answer, and a ProviderError keeps its
 * details on the way back. A caller that stops waiting cannot tell whether the job will still send,
 * so the worker hands every outcome to `recordOutcome` as well: a result that comes too late for the
 * caller still reaches the message. Queues and workers start on first use, so commands such as
 * `medusa db:migrate` never open Redis connections.
 */
export class BullMqRateLimitedChannel implements Channel {
  private started?: { redis: IORedis; queue: Queue; events: QueueEvents; worker: Worker }

  constructor(
    private readonly inner: Channel,
    private readonly perSecond: number,
    private readonly redisUrl: string,
    private readonly queueName: string,
    private readonly timeoutMs: number,
    private readonly recordOutcome: QueuedOutcomeRecorder = async () => {}
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
      const worker = new Worker<OutgoingMessage, QueuedOutcome>(
        this.queueName,
        async (job) => {
          const outcome = await this.deliverQueued(job.data)
          // The job must not fail over bookkeeping: the send happened, and a waiting caller records it too.
          await this.recordOutcome(job.data.id, outcome).catch(() => {})
          return outcome
        },
        { connection: redis, concurrency: 10, limiter: { max: Math.max(1, Math.round(this.perSecond)), duration: 1000 } }
      )
      this.started = { redis, queue, events, worker }
    }
    return this.started
  }

  private async deliverQueued(message: OutgoingMessage): Promise<QueuedOutcome> {
    try {
      return { result: await this.inner.deliver(message) }
    } catch (error) {
      const details = error instanceof ProviderError ? error.details : { retryable: false }
      return { error: { message: (error as Error).message, details } }
    }
  }

  async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    const { queue, events } = this.start()
    await events.waitUntilReady()
    const job = await queue.add("deliver", message, { removeOnComplete: 1000, removeOnFail: 1000 })
    let outcome: QueuedOutcome
    try {
      outcome = await job.waitUntilFinished(events, this.timeoutMs)
    } catch (error) {
      // The job is queued and may still run and send.
      throw new ProviderError(`The queued send did not finish in time: ${(error as Error).message}`, {
        retryable: false,
        mayHaveBeenSent: true,
        code: "queue_timeout",
      })
    }
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

import { createHash } from "node:crypto"
import type { PluginOptions } from "../options"
import { InProcessRateLimitedChannel, type QueuedOutcomeRecorder } from "./rate-limited"
import { SandboxChannel } from "./sandbox"
import type { Channel } from "./types"
import type { ChannelName } from "../../../engine/constants"

/*
 * Each provider's SDK loads only in a store that uses it: twilio, @sendgrid/mail and bullmq are about 275
 * modules and 2–3 MB of heap at rest that a store on the sandbox outbox would otherwise carry for nothing.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const sendGrid = () => require("./sendgrid") as typeof import("./sendgrid")
const twilio = () => require("./twilio") as typeof import("./twilio")
const redisRateLimited = () => require("./redis-rate-limited") as typeof import("./redis-rate-limited")
/* eslint-enable @typescript-eslint/no-require-imports */

export const TWILIO_STATUS_PATH = "/hooks/flows/twilio/status"

/**
 * The longest one send can take, waiting for a rate-limit slot and for a SendGrid batch included; a message
 * `sending` for longer was interrupted.
 */
export function longestDeliveryMs(options: PluginOptions) {
  return options.delivery.timeoutMs * 4 + (options.sendgrid?.batchWindowMs ?? 0)
}

/**
 * Tells apart the queues of stores that share a Redis database: a queue's jobs are run by any worker that
 * serves it, with that worker's credentials, so the store (its backend URL) and the account it sends from
 * are part of the name. A hash, so no key appears in Redis.
 */
function queueScope(options: PluginOptions, name: ChannelName): string {
  const account = name === "email" ? options.sendgrid?.apiKey : options.twilio?.accountSid
  return createHash("sha256")
    .update(JSON.stringify([options.backendUrl, account ?? "sandbox"]))
    .digest("hex")
    .slice(0, 16)
}

export type ClosableChannel = Channel & { close(): Promise<void> }

/** Applies the channel's rate limit: shared through Redis when there is one, per process otherwise. */
function rateLimited(channel: Channel, name: ChannelName, options: PluginOptions, recordOutcome: QueuedOutcomeRecorder): ClosableChannel {
  const perSecond = options.rateLimits[name]
  if (!perSecond) {
    return Object.assign(channel, { close: async () => {} })
  }
  if (options.redisUrl) {
    const queueName = `medusa-plugin-flows-${name}-${channel.provider}-${queueScope(options, name)}`
    return new (redisRateLimited().BullMqRateLimitedChannel)(
      channel,
      perSecond,
      options.redisUrl,
      queueName,
      longestDeliveryMs(options),
      recordOutcome
    )
  }
  return new InProcessRateLimitedChannel(channel, perSecond)
}

/**
 * SendGrid and Twilio where their keys are set; the sandbox outbox otherwise. `recordOutcome` hears of
 * every send that went through the Redis queue, for the ones whose caller stopped waiting.
 */
export function createChannels(options: PluginOptions, recordOutcome: QueuedOutcomeRecorder): Record<ChannelName, ClosableChannel> {
  const { timeoutMs } = options.delivery
  const email = options.sendgrid ? new (sendGrid().SendGridChannel)(options.sendgrid, timeoutMs, options.backendUrl) : new SandboxChannel()
  const sms = options.twilio
    ? new (twilio().TwilioChannel)(options.twilio, `${options.backendUrl}${TWILIO_STATUS_PATH}`, timeoutMs)
    : new SandboxChannel()
  return { email: rateLimited(email, "email", options, recordOutcome), sms: rateLimited(sms, "sms", options, recordOutcome) }
}

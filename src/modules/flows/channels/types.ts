import type { ChannelName } from "../../../engine/constants"

export type OutgoingMessage = {
  id: string
  idempotency_key: string
  channel: ChannelName
  to: string
  flow_id: string
  run_id: string
  step_id: string
  subject?: string | null
  preheader?: string | null
  html?: string | null
  text?: string | null
  /** One-click unsubscribe link for this recipient (RFC 8058). */
  unsubscribe_url?: string | null
}

/**
 * Our ids ride along in SendGrid's custom_args, prefixed so SendGrid's own event fields never shadow them.
 * Here rather than with the SendGrid channel, so reading its webhook does not load the SDK.
 */
export const CUSTOM_ARG_PREFIX = "flows_"

export type DeliveryResult = {
  status: "sent" | "delivered"
  provider_id: string | null
}

/** A way to deliver a rendered message. The sandbox keeps it; SendGrid and Twilio send it. */
export interface Channel {
  readonly provider: string
  deliver(message: OutgoingMessage): Promise<DeliveryResult>
  /** Asks the provider whether the credentials work, sending nothing; throws a ProviderError if not. */
  checkCredentials(): Promise<string>
}

/**
 * A provider refusal. `retryable` ones (429, 5xx, a connection refused) are tried again later, after
 * `retryAfterMs` when the provider said how long; the others fail the message at once. A call that got
 * no answer after the request went out (a timeout, a reset) `mayHaveBeenSent`: it is neither.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly details: { retryable: boolean; code?: string; retryAfterMs?: number; recipientOptedOut?: boolean; mayHaveBeenSent?: boolean }
  ) {
    super(message)
  }
}

/** Network errors raised before the request was written: the provider got nothing, so a retry is safe. */
const NOTHING_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"])

/**
 * A call that got no HTTP answer. A connection refused or a name that did not resolve sent nothing and is
 * retried; anything else (a timeout, a connection reset) may have been accepted, so it is never repeated blindly.
 */
export function noAnswerError(provider: string, error: { code?: unknown; message: string }): ProviderError {
  const code = typeof error.code === "string" ? error.code : "network"
  if (NOTHING_SENT.has(code)) {
    return new ProviderError(`${provider} could not be reached: ${error.message}`, { retryable: true, code })
  }
  return new ProviderError(`${provider} did not answer: ${error.message}`, { retryable: false, mayHaveBeenSent: true, code })
}

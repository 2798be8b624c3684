export type OutgoingMessage = {
  id: string
  idempotency_key: string
  channel: "email" | "sms"
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
 * A provider refusal. `retryable` ones (429, 5xx, timeouts) are tried again later, after
 * `retryAfterMs` when the provider said how long; the others fail the message at once.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly details: { retryable: boolean; code?: string; retryAfterMs?: number; recipientOptedOut?: boolean }
  ) {
    super(message)
  }
}

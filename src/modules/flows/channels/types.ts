export type OutgoingMessage = {
  id: string
  idempotency_key: string
  channel: "email" | "sms"
  to: string
  subject?: string | null
  preheader?: string | null
  html?: string | null
  text?: string | null
}

export type DeliveryResult = {
  status: "sent" | "delivered"
  provider_id: string | null
}

/** A way to deliver a rendered message. The sandbox keeps it; SendGrid and Twilio send it. */
export interface Channel {
  readonly provider: string
  deliver(message: OutgoingMessage): Promise<DeliveryResult>
}

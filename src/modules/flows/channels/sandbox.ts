import type { Channel, DeliveryResult, OutgoingMessage } from "./types"

/**
 * The default when no provider keys are set: the rendered message is already stored
 * in flows_message, so delivering it is just marking it delivered. The admin shows it.
 */
export class SandboxChannel implements Channel {
  readonly provider = "sandbox"

  async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    return { status: "delivered", provider_id: `sandbox_${message.id}` }
  }

  async checkCredentials(): Promise<string> {
    return "Sandbox outbox: messages are kept in the admin, nothing is sent"
  }
}

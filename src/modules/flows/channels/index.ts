import type { PluginOptions } from "../options"
import { SandboxChannel } from "./sandbox"
import { SendGridChannel } from "./sendgrid"
import { TwilioChannel } from "./twilio"
import type { Channel } from "./types"

export const TWILIO_STATUS_PATH = "/hooks/flows/twilio/status"

/** SendGrid and Twilio where their keys are set; the sandbox outbox otherwise. */
export function createChannels(options: PluginOptions): Record<"email" | "sms", Channel> {
  const sandbox = new SandboxChannel()
  const { timeoutMs } = options.delivery
  return {
    email: options.sendgrid ? new SendGridChannel(options.sendgrid, timeoutMs) : sandbox,
    sms: options.twilio
      ? new TwilioChannel(options.twilio, `${options.backendUrl.replace(/\/$/, "")}${TWILIO_STATUS_PATH}`, timeoutMs)
      : sandbox,
  }
}

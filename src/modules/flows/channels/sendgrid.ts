import { Client } from "@sendgrid/client"
import { MailService } from "@sendgrid/mail"
import type { PluginOptions } from "../options"
import { ProviderError, type Channel, type DeliveryResult, type OutgoingMessage } from "./types"

type SendGridOptions = NonNullable<PluginOptions["sendgrid"]>

/** Our ids ride along in custom_args, prefixed so SendGrid's own event fields never shadow them. */
export const CUSTOM_ARG_PREFIX = "flows_"

type ResponseErrorLike = {
  code?: number | string
  message: string
  response?: { headers?: Record<string, string>; body?: { errors?: { message: string; field?: string | null }[] } }
}

export function sendGridRetryAfterMs(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  const retryAfter = Number(headers?.["retry-after"])
  if (retryAfter > 0) {
    return retryAfter * 1000
  }
  const reset = Number(headers?.["x-ratelimit-reset"])
  return reset > 0 ? Math.max(0, reset * 1000 - now) : undefined
}

function toProviderError(error: ResponseErrorLike): ProviderError {
  const status = typeof error.code === "number" ? error.code : undefined
  if (!status || !error.response) {
    // No HTTP answer: a timeout or a network failure. The mail may or may not have gone out,
    // but SendGrid has no idempotency key, so the message is retried like a 5xx.
    return new ProviderError(`SendGrid did not answer: ${error.message}`, { retryable: true, code: String(error.code ?? "network") })
  }
  const details = error.response.body?.errors?.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join("; ")
  const message = `SendGrid ${status}: ${details || error.message}`
  if (status === 429) {
    return new ProviderError(message, { retryable: true, code: "429", retryAfterMs: sendGridRetryAfterMs(error.response.headers) })
  }
  return new ProviderError(message, { retryable: status >= 500, code: String(status) })
}

/** Sends through SendGrid's v3 Mail Send with an own Client, never the SDK's global singleton. */
export class SendGridChannel implements Channel {
  readonly provider = "sendgrid"
  private readonly mail: MailService

  constructor(private readonly options: SendGridOptions, timeoutMs: number) {
    const client = new Client()
    client.setApiKey(options.apiKey)
    if (options.dataResidency === "eu") {
      client.setDataResidency("eu")
    }
    // setApiKey and setDataResidency both reset the base URL, so an explicit one goes last.
    if (options.apiBaseUrl) {
      client.setDefaultRequest("baseUrl", options.apiBaseUrl)
    }
    this.mail = new MailService()
    this.mail.setClient(client)
    this.mail.setTimeout(timeoutMs)
  }

  async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    const headers: Record<string, string> = {}
    if (message.unsubscribe_url) {
      headers["List-Unsubscribe"] = `<${message.unsubscribe_url}>`
      headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    }
    try {
      const [response] = await this.mail.send({
        from: this.options.from,
        replyTo: this.options.replyTo,
        subject: message.subject ?? "",
        content: [
          { type: "text/plain", value: message.text || " " },
          { type: "text/html", value: message.html || " " },
        ],
        personalizations: [
          {
            to: [{ email: message.to }],
            headers,
            customArgs: {
              [`${CUSTOM_ARG_PREFIX}message_id`]: message.id,
              [`${CUSTOM_ARG_PREFIX}flow_id`]: message.flow_id,
              [`${CUSTOM_ARG_PREFIX}step_id`]: message.step_id,
            },
          },
        ],
        categories: [`flow:${message.flow_id}`, `step:${message.step_id}`].map((c) => c.slice(0, 255)),
        asm: this.options.unsubscribeGroupId ? { groupId: this.options.unsubscribeGroupId } : undefined,
        hideWarnings: true,
      })
      return { status: "sent", provider_id: (response.headers["x-message-id"] as string) ?? null }
    } catch (error) {
      throw toProviderError(error as ResponseErrorLike)
    }
  }
}

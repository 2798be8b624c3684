import { Client } from "@sendgrid/client"
import { MailService } from "@sendgrid/mail"
import type { PluginOptions } from "../options"
import { personalLinkPattern } from "../links/signed-links"
import { tagPersonalLinks, type MailContent, type Substitutions } from "./substitutions"
import { retryAfterMsOf } from "./retry"
import { CUSTOM_ARG_PREFIX, noAnswerError, ProviderError, type Channel, type DeliveryResult, type OutgoingMessage } from "./types"

type SendGridOptions = NonNullable<PluginOptions["sendgrid"]>

type ResponseErrorLike = {
  code?: number | string
  message: string
  response?: { headers?: Record<string, string>; body?: { errors?: { message: string; field?: string | null }[] } }
}

function toProviderError(error: ResponseErrorLike): ProviderError {
  const status = typeof error.code === "number" ? error.code : undefined
  if (!status || !error.response) {
    // SendGrid has no idempotency key: a mail that may have gone out cannot be sent again safely.
    return noAnswerError("SendGrid", error)
  }
  const details = error.response.body?.errors?.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join("; ")
  const message = `SendGrid ${status}: ${details || error.message}`
  if (status === 429) {
    return new ProviderError(message, { retryable: true, code: "429", retryAfterMs: retryAfterMsOf(error.response.headers) })
  }
  return new ProviderError(message, { retryable: status >= 500, code: String(status) })
}

/** One-click unsubscribe for this recipient (RFC 8058). */
function unsubscribeHeaders(url: string | null | undefined): Record<string, string> {
  return url ? { "List-Unsubscribe": `<${url}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } : {}
}

/** SendGrid takes at most 1000 personalizations in one request. */
const MAX_PERSONALIZATIONS = 1000

type Pending = {
  message: OutgoingMessage
  substitutions: Substitutions
  resolve: (r: DeliveryResult) => void
  reject: (e: unknown) => void
}
type Batch = { content: MailContent; pending: Pending[]; timer?: NodeJS.Timeout }

/**
 * Sends through SendGrid's v3 Mail Send with an own Client, never the SDK's global singleton.
 * Messages of one step whose content is identical once the tokens of each recipient's own links are
 * taken out (they travel as substitutions) and that arrive within `batchWindowMs` go out as one request,
 * at once when it is full, with a personalization each (up to 1000), keeping their own recipient, links,
 * unsubscribe headers and ids.
 */
export class SendGridChannel implements Channel {
  readonly provider = "sendgrid"
  private readonly mail: MailService
  private readonly batches = new Map<string, Batch>()
  private readonly personalLinks: RegExp

  constructor(
    private readonly options: SendGridOptions,
    timeoutMs: number,
    backendUrl: string
  ) {
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
    this.personalLinks = personalLinkPattern(backendUrl)
  }

  deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    const content = { subject: message.subject ?? "", html: message.html || " ", text: message.text || " " }
    const tagged = tagPersonalLinks(content, this.personalLinks)
    const key = JSON.stringify([message.flow_id, message.step_id, tagged.content])
    return new Promise((resolve, reject) => {
      let batch = this.batches.get(key)
      // SendGrid refuses a request that names one recipient twice.
      if (batch?.pending.some((p) => p.message.to.toLowerCase() === message.to.toLowerCase())) {
        this.flush(key)
        batch = undefined
      }
      if (!batch) {
        batch = { content: tagged.content, pending: [] }
        this.batches.set(key, batch)
        if (this.options.batchWindowMs > 0) {
          batch.timer = setTimeout(() => this.flush(key), this.options.batchWindowMs)
        }
      }
      batch.pending.push({ message, substitutions: tagged.substitutions, resolve, reject })
      if (batch.pending.length >= MAX_PERSONALIZATIONS || !batch.timer) {
        this.flush(key)
      }
    })
  }

  /** A Mail Send in sandbox mode: SendGrid checks the key and the request, and sends nothing. */
  async checkCredentials(): Promise<string> {
    try {
      await this.mail.send({
        from: this.options.from,
        to: this.options.from.email,
        subject: "Credential check",
        content: [{ type: "text/plain", value: "Credential check: sandbox mode, not delivered." }],
        mailSettings: { sandboxMode: { enable: true } },
      })
      return `SendGrid accepted the API key (sandbox-mode send from ${this.options.from.email})`
    } catch (error) {
      throw toProviderError(error as ResponseErrorLike)
    }
  }

  private flush(key: string) {
    const batch = this.batches.get(key)
    if (!batch) {
      return
    }
    clearTimeout(batch.timer)
    this.batches.delete(key)
    this.send(batch).then(
      (result) => batch.pending.forEach((p) => p.resolve(result)),
      (error) => batch.pending.forEach((p) => p.reject(error))
    )
  }

  private async send({ content, pending }: Batch): Promise<DeliveryResult> {
    const { message: first } = pending[0]
    try {
      const [response] = await this.mail.send({
        from: this.options.from,
        replyTo: this.options.replyTo,
        subject: content.subject,
        content: [
          { type: "text/plain", value: content.text },
          { type: "text/html", value: content.html },
        ],
        // The tags are complete as they are: the SDK would wrap them in {{ }} otherwise.
        substitutionWrappers: ["", ""],
        personalizations: pending.map(({ message, substitutions }) => ({
          to: [{ email: message.to }],
          headers: unsubscribeHeaders(message.unsubscribe_url),
          substitutions,
          customArgs: {
            [`${CUSTOM_ARG_PREFIX}message_id`]: message.id,
            [`${CUSTOM_ARG_PREFIX}flow_id`]: message.flow_id,
            [`${CUSTOM_ARG_PREFIX}step_id`]: message.step_id,
          },
        })),
        categories: [`flow:${first.flow_id}`, `step:${first.step_id}`].map((c) => c.slice(0, 255)),
        asm: this.options.unsubscribeGroupId ? { groupId: this.options.unsubscribeGroupId } : undefined,
        hideWarnings: true,
      })
      return { status: "sent", provider_id: (response.headers["x-message-id"] as string) ?? null }
    } catch (error) {
      throw toProviderError(error as ResponseErrorLike)
    }
  }
}

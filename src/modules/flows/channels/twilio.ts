import twilio from "twilio"
import type RequestClient from "twilio/lib/base/RequestClient"
import type { PluginOptions } from "../options"
import { retryAfterMsOf } from "./retry"
import { noAnswerError, ProviderError, type Channel, type DeliveryResult, type OutgoingMessage } from "./types"

type TwilioOptions = NonNullable<PluginOptions["twilio"]>

/** Twilio's "the recipient replied STOP to this sender" error. */
export const TWILIO_OPTED_OUT = 21610

/**
 * Twilio's request client, two changes: every request goes to `baseUrl` when one is set (keeping path and
 * query: for proxies and tests), and a 429 becomes a retryable refusal that keeps the `Retry-After` Twilio
 * sent, which the SDK's own error drops.
 */
class FlowsRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    timeout: number
  ) {
    super({ timeout })
  }

  async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const url = new URL(opts.uri)
    const response = await super.request<TData>(this.baseUrl ? { ...opts, uri: `${this.baseUrl}${url.pathname}${url.search}` } : opts)
    if (response.statusCode === 429) {
      const body = parsedBody(response.body)
      const code = String(body?.code ?? 429)
      throw new ProviderError(`Twilio 429 (${code}): ${body?.message ?? "Too Many Requests"}`, {
        retryable: true,
        code,
        retryAfterMs: retryAfterMsOf(response.headers as Record<string, string>),
      })
    }
    return response
  }
}

function parsedBody(body: unknown): { code?: number; message?: string } | null {
  if (typeof body !== "string") {
    return (body as { code?: number; message?: string }) ?? null
  }
  try {
    return JSON.parse(body)
  } catch {
    return null
  }
}

type RestExceptionLike = { status?: number; code?: number | string; message: string; moreInfo?: string }

function toProviderError(error: RestExceptionLike): ProviderError {
  if (!error.status) {
    // Twilio's Messages API takes no idempotency key either.
    return noAnswerError("Twilio", error)
  }
  const code = String(error.code ?? error.status)
  const message = `Twilio ${error.status} (${code}): ${error.message}`
  const retryable = error.status === 429 || error.code === 20429 || error.status >= 500
  return new ProviderError(message, { retryable, code, recipientOptedOut: error.code === TWILIO_OPTED_OUT })
}

/** Sends texts through Twilio's Messages API, from a number or a Messaging Service. */
export class TwilioChannel implements Channel {
  readonly provider = "twilio"
  private readonly client: ReturnType<typeof twilio>

  constructor(
    private readonly options: TwilioOptions,
    private readonly statusCallbackUrl: string,
    timeoutMs: number
  ) {
    this.client = twilio(options.accountSid, options.authToken, { httpClient: new FlowsRequestClient(options.apiBaseUrl, timeoutMs) })
  }

  /** Fetches the account: Twilio checks the SID and token, and nothing is sent. */
  async checkCredentials(): Promise<string> {
    try {
      const account = await this.client.api.v2010.accounts(this.options.accountSid).fetch()
      if (account.status !== "active") {
        throw new ProviderError(`Twilio account ${account.sid} is ${account.status}`, { retryable: false })
      }
      return `Twilio accepted the credentials (account “${account.friendlyName}”, ${account.type})`
    } catch (error) {
      throw error instanceof ProviderError ? error : toProviderError(error as RestExceptionLike)
    }
  }

  async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
    const sender = this.options.messagingServiceSid
      ? { messagingServiceSid: this.options.messagingServiceSid }
      : { from: this.options.from! }
    try {
      const sent = await this.client.messages.create({
        to: message.to,
        body: message.text ?? "",
        statusCallback: this.statusCallbackUrl,
        ...sender,
      })
      return { status: "sent", provider_id: sent.sid }
    } catch (error) {
      throw error instanceof ProviderError ? error : toProviderError(error as RestExceptionLike)
    }
  }
}

import { generateKeyPairSync, sign } from "node:crypto"
import http from "node:http"
import { FakeServer, type CallOutcome, type Fault } from "./fake-server"
import { describeErrors, specValidator } from "./openapi"

type Answer = { status: number; headers?: Record<string, string>; body?: unknown }

/** One email as a recipient gets it: the request's content with their personalization's substitutions applied. */
export type FakeDelivery = {
  to: string
  subject: string
  html?: string
  text?: string
  headers: Record<string, string>
  custom_args: Record<string, string>
}

/** SendGrid's limit on one personalization's substitutions, tags and values together. */
const MAX_SUBSTITUTION_BYTES = 10_000

/** Replaces every tag by its value, as SendGrid does in the subject and content of each personalization. */
function substitute(text: string | undefined, substitutions: Record<string, string>): string | undefined {
  return Object.entries(substitutions).reduce((out, [tag, value]) => out?.split(tag).join(value), text)
}

/**
 * A local SendGrid v3 Mail Send that answers like the real one: 202 with X-Message-Id, the 400
 * error list, 401, 413 and 429 with rate-limit headers, and 200 for a sandbox-mode send. Every body is validated against SendGrid's
 * published OpenAPI schema. Each accepted email is recorded in `deliveries` per recipient, substitutions
 * applied. It can also sign Event Webhook posts with its own P-256 key, and refuse a share of calls for now
 * (`injectFaults`).
 */
export class FakeSendGrid extends FakeServer<Answer> {
  readonly requests: { path: string; authorization?: string; body: any; outcome: CallOutcome }[] = []
  readonly deliveries: FakeDelivery[] = []
  private readonly validate = specValidator(
    "sendgrid_mail_v3.json",
    "/components/requestBodies/PostMailSend/content/application~1json/schema"
  )
  private readonly keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" })
  private counter = 0
  /** An account may have several keys: a test that gives each process its own can tell their calls apart. */
  private readonly apiKeys = new Set<string>()

  constructor(
    readonly apiKey = "SG.fake-key",
    readonly maxBodyBytes = 30 * 1024 * 1024
  ) {
    super()
    this.apiKeys.add(apiKey)
  }

  /** Accepts one more API key, as SendGrid does when the account creates another. */
  addApiKey(key: string) {
    this.apiKeys.add(key)
  }

  /** The key to put in `sendgrid.webhookVerificationKey`: base64 SPKI DER, as SendGrid shows it. */
  get verificationKey(): string {
    return this.keys.publicKey.export({ format: "der", type: "spki" }).toString("base64")
  }

  /** Posts signed events to the plugin's webhook, as SendGrid does; resolves with the status and body. */
  async deliverEvents(webhookUrl: string, events: Record<string, unknown>[], timestamp?: number) {
    const { body, headers } = this.signedEvents(events, timestamp)
    const response = await fetch(webhookUrl, { method: "POST", body, headers })
    return { status: response.status, text: await response.text() }
  }

  /** A signed Event Webhook delivery, as SendGrid posts it: the raw body and the two headers. */
  signedEvents(events: Record<string, unknown>[], timestamp = Math.floor(Date.now() / 1000)) {
    const body = JSON.stringify(events) + "\r\n"
    const signature = sign("sha256", Buffer.from(`${timestamp}${body}`), this.keys.privateKey).toString("base64")
    return {
      body,
      headers: {
        "content-type": "application/json",
        "x-twilio-email-event-webhook-signature": signature,
        "x-twilio-email-event-webhook-timestamp": String(timestamp),
      },
    }
  }

  private json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers })
    res.end(JSON.stringify(body))
  }

  /**
   * The ids of the messages SendGrid accepted, one per delivery: also those of a call whose client left
   * before the 202 reached it, since SendGrid would send those all the same.
   */
  acceptedMessageIds(): string[] {
    return this.deliveries.map((delivery) => delivery.custom_args.flows_message_id)
  }

  /** The ids of the messages in calls whose client left before the answer (the plugin's timeout, a killed worker). */
  abandonedMessageIds(): string[] {
    return this.requests
      .filter((request) => request.outcome.clientLeft)
      .flatMap((request) => request.body.personalizations.map((p: any) => p.custom_args?.flows_message_id))
  }

  /** A transient refusal as SendGrid words it; a 429 carries the rate-limit headers and Retry-After. */
  private fault(res: http.ServerResponse, fault: Fault) {
    if (fault.status === 429) {
      const reset = String(Math.ceil(Date.now() / 1000) + fault.retryAfterSeconds)
      return this.json(
        res,
        429,
        { errors: [{ field: null, message: "too many requests" }] },
        {
          "retry-after": String(fault.retryAfterSeconds),
          "x-ratelimit-limit": "600",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": reset,
        }
      )
    }
    const message = fault.status === 500 ? "internal server error" : "service unavailable"
    return this.json(res, fault.status, { errors: [{ field: null, message }] })
  }

  protected handle(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse, outcome: CallOutcome) {
    if (req.method !== "POST" || req.url !== "/v3/mail/send") {
      return this.json(res, 404, { errors: [{ field: null, message: "not found" }] })
    }
    let body: any
    try {
      body = JSON.parse(raw.toString("utf8"))
    } catch {
      return this.json(res, 400, { errors: [{ field: null, message: "Bad Request", help: null }] })
    }
    this.requests.push({ path: req.url, authorization: req.headers.authorization, body, outcome })
    if (![...this.apiKeys].some((key) => req.headers.authorization === `Bearer ${key}`)) {
      return this.json(res, 401, { errors: [{ field: null, message: "authorization required" }] })
    }
    if (raw.length > this.maxBodyBytes) {
      return this.json(res, 413, { errors: [{ message: "content too large" }] })
    }
    const scripted = this.scripted.shift()
    if (scripted) {
      return this.json(res, scripted.status, scripted.body ?? { errors: [{ field: null, message: "scripted" }] }, scripted.headers)
    }
    const conforms = this.validate(structuredClone(body))
    if (!conforms) {
      return this.json(res, 400, { errors: [{ field: null, message: describeErrors(this.validate), help: null }] })
    }
    const categories: string[] = body.categories ?? []
    if (categories.length > 10 || new Set(categories).size !== categories.length) {
      return this.json(res, 400, { errors: [{ field: "categories", message: "Categories must be unique and at most 10." }] })
    }
    const args = body.personalizations.map((p: any) => p.custom_args ?? {}).concat(body.custom_args ?? {})
    if (args.some((a: Record<string, unknown>) => Object.values(a).some((v) => typeof v !== "string"))) {
      return this.json(res, 400, { errors: [{ field: "custom_args", message: "Custom args values must be strings." }] })
    }
    const refusal = this.personalizationError(body.personalizations)
    if (refusal) {
      return this.json(res, 400, { errors: [{ help: null, ...refusal }] })
    }
    if (body.mail_settings?.sandbox_mode?.enable) {
      // Sandbox mode: validated and accepted with 200, never delivered.
      res.writeHead(200)
      return res.end()
    }
    const fault = this.nextFault()
    if (fault) {
      return this.fault(res, fault)
    }
    // Refused requests deliver nothing; accepted ones deliver to every personalization.
    this.deliveries.push(...body.personalizations.flatMap((p: any) => this.deliveriesOf(body, p)))
    this.counter += 1
    res.writeHead(202, { "x-message-id": `fakeSgMsg${this.counter}` })
    res.end()
  }

  /**
   * What SendGrid refuses beyond the schema: over 1000 recipients, oversized substitutions, and a recipient
   * named twice (SendGrid says so within a personalization; the fake, like the plugin, assumes it across them too).
   */
  private personalizationError(personalizations: any[]): { field: string; message: string } | undefined {
    const recipients = personalizations.flatMap((p) => [...(p.to ?? []), ...(p.cc ?? []), ...(p.bcc ?? [])])
    const addresses = recipients.map((r: { email: string }) => r.email.toLowerCase())
    if (addresses.length > 1000) {
      return { field: "personalizations", message: "The total number of recipients must be less than 1000." }
    }
    const repeated = addresses.find((a, i) => addresses.indexOf(a) !== i)
    if (repeated) {
      return { field: "personalizations", message: `Each email address should be unique; ${repeated} is repeated.` }
    }
    const oversized = personalizations.findIndex(
      (p) =>
        Object.entries(p.substitutions ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0) >
        MAX_SUBSTITUTION_BYTES
    )
    if (oversized >= 0) {
      return { field: `personalizations.${oversized}.substitutions`, message: "Substitutions may not exceed 10,000 bytes." }
    }
    return undefined
  }

  private deliveriesOf(body: any, personalization: any): FakeDelivery[] {
    const substitutions = personalization.substitutions ?? {}
    const part = (type: string) => substitute(body.content?.find((c: any) => c.type === type)?.value, substitutions)
    return [...(personalization.to ?? []), ...(personalization.cc ?? []), ...(personalization.bcc ?? [])].map((r: { email: string }) => ({
      to: r.email,
      subject: substitute(personalization.subject ?? body.subject, substitutions) ?? "",
      html: part("text/html"),
      text: part("text/plain"),
      headers: { ...body.headers, ...personalization.headers },
      custom_args: { ...body.custom_args, ...personalization.custom_args },
    }))
  }
}

import http from "node:http"
import { FakeServer, type CallOutcome, type Fault } from "./fake-server"
import twilio from "twilio"
import { describeErrors, specValidator } from "./openapi"

const MAGIC_NUMBERS: Record<string, { code: number; message: string }> = {
  "+15005550001": { code: 21211, message: "The 'To' number +15005550001 is not a valid phone number." },
  "+15005550002": { code: 21612, message: "The 'To' phone number is not currently reachable via SMS." },
  "+15005550003": { code: 21408, message: "Permission to send an SMS has not been enabled for the region." },
  "+15005550004": { code: 21610, message: "Attempt to send to unsubscribed recipient" },
  "+15005550009": { code: 21614, message: "'To' number is not a valid mobile number" },
}

type Answer = { status: number; code: number; message: string }

/**
 * A local Twilio Messages API that answers like the real one: form-encoded requests checked
 * against Twilio's OpenAPI schema, Fetch Account, Basic auth, RestException bodies, the magic test numbers and
 * scripted 429s. It can also sign status callbacks and inbound messages as Twilio does, and refuse a share of
 * calls for now (`injectFaults`).
 */
export class FakeTwilio extends FakeServer<Answer> {
  /** Every call; `sid` is the message's, once it was created. */
  readonly requests: { path: string; params: Record<string, string>; sid?: string; outcome: CallOutcome }[] = []
  private readonly validate = specValidator("twilio_messages_create.json", "/components/schemas/CreateMessageRequest", {
    coerceTypes: true,
  })
  private counter = 0
  /** What Fetch Account reports: "active", or "suspended" / "closed" to stand for a blocked account. */
  accountStatus = "active"

  constructor(
    readonly accountSid = `AC${"0".repeat(31)}1`,
    readonly authToken = "fake-auth-token"
  ) {
    super()
  }

  /** Posts a signed webhook to the plugin, as Twilio does; `publicUrl` is what the signature covers. */
  async deliver(postUrl: string, publicUrl: string, params: Record<string, string>) {
    const { body, headers } = this.signedForm(publicUrl, params)
    const response = await fetch(postUrl, { method: "POST", body, headers })
    return { status: response.status, text: await response.text() }
  }

  /** A webhook post as Twilio makes it: form-encoded, with X-Twilio-Signature over the public URL. */
  signedForm(publicUrl: string, params: Record<string, string>) {
    return {
      body: new URLSearchParams(params).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio.getExpectedTwilioSignature(this.authToken, publicUrl, params),
      },
    }
  }

  private error(res: http.ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers })
    res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }))
  }

  /** The numbers of the texts Twilio accepted (given a sid), one per call: also a call whose client left before the 201. */
  acceptedRecipients(): string[] {
    return this.requests.filter((request) => request.sid).map((request) => request.params.To)
  }

  /** The numbers of the texts in calls whose client left before the answer (the plugin's timeout, a killed worker). */
  abandonedRecipients(): string[] {
    return this.requests.filter((request) => request.outcome.clientLeft).map((request) => request.params.To)
  }

  /** A transient refusal in Twilio's error format: 20500, 20503, or 20429 with Retry-After. */
  private fault(res: http.ServerResponse, fault: Fault) {
    if (fault.status === 429) {
      return this.error(res, 429, 20429, "Too Many Requests", { "retry-after": String(fault.retryAfterSeconds) })
    }
    return this.error(
      res,
      fault.status,
      fault.status === 500 ? 20500 : 20503,
      fault.status === 500 ? "Internal Server Error" : "Service Unavailable"
    )
  }

  private authorized(req: http.IncomingMessage) {
    return req.headers.authorization === `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString("base64")}`
  }

  /** Fetch Account, as the 2010-04-01 API answers it. */
  private account(req: http.IncomingMessage, res: http.ServerResponse, outcome: CallOutcome) {
    this.requests.push({ path: req.url!, params: {}, outcome })
    if (!this.authorized(req)) {
      return this.error(res, 401, 20003, "Authenticate")
    }
    const uri = `/2010-04-01/Accounts/${this.accountSid}.json`
    res.writeHead(200, { "content-type": "application/json" })
    res.end(
      JSON.stringify({
        auth_token: this.authToken,
        date_created: "Thu, 01 Oct 2026 12:00:00 +0000",
        date_updated: "Thu, 01 Oct 2026 12:00:00 +0000",
        friendly_name: "Fake store account",
        owner_account_sid: this.accountSid,
        sid: this.accountSid,
        status: this.accountStatus,
        subresource_uris: { messages: `${uri.replace(".json", "")}/Messages.json` },
        type: "Full",
        uri,
      })
    )
  }

  protected handle(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse, outcome: CallOutcome) {
    const path = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`
    if (req.method === "GET" && req.url === `/2010-04-01/Accounts/${this.accountSid}.json`) {
      return this.account(req, res, outcome)
    }
    if (req.method !== "POST" || req.url !== path) {
      return this.error(res, 404, 20404, "The requested resource was not found")
    }
    const params = Object.fromEntries(new URLSearchParams(raw.toString("utf8")))
    const request: (typeof this.requests)[number] = { path: req.url, params, outcome }
    this.requests.push(request)
    if (!this.authorized(req)) {
      return this.error(res, 401, 20003, "Authenticate")
    }
    const scripted = this.scripted.shift()
    if (scripted) {
      return this.error(res, scripted.status, scripted.code, scripted.message)
    }
    if (!this.validate({ ...params })) {
      return this.error(res, 400, 21604, `Invalid parameters: ${describeErrors(this.validate)}`)
    }
    if (!params.From && !params.MessagingServiceSid) {
      return this.error(res, 400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message")
    }
    const magic = MAGIC_NUMBERS[params.To]
    if (magic) {
      return this.error(res, 400, magic.code, magic.message)
    }
    const fault = this.nextFault()
    if (fault) {
      return this.fault(res, fault)
    }
    this.counter += 1
    const sid = `SM${this.counter.toString(16).padStart(32, "0")}`
    request.sid = sid
    res.writeHead(201, { "content-type": "application/json" })
    res.end(
      JSON.stringify({
        account_sid: this.accountSid,
        api_version: "2010-04-01",
        body: params.Body,
        date_created: new Date().toUTCString(),
        date_sent: null,
        date_updated: new Date().toUTCString(),
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from: params.From ?? null,
        messaging_service_sid: params.MessagingServiceSid ?? null,
        num_media: "0",
        num_segments: "1",
        price: null,
        price_unit: "USD",
        sid,
        status: params.MessagingServiceSid ? "accepted" : "queued",
        subresource_uris: { media: `${path.replace(".json", "")}/${sid}/Media.json` },
        to: params.To,
        uri: `${path.replace(".json", "")}/${sid}.json`,
      })
    )
  }
}

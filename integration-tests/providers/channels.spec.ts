import { EventWebhook } from "@sendgrid/eventwebhook"
import { FakeSendGrid } from "../fakes/sendgrid"
import { FakeTwilio } from "../fakes/twilio"
import { SendGridChannel } from "../../src/modules/flows/channels/sendgrid"
import { TwilioChannel } from "../../src/modules/flows/channels/twilio"
import { ProviderError, type OutgoingMessage } from "../../src/modules/flows/channels/types"
import { button, emailLayout } from "../../src/modules/flows/built-in/layout"
import { linksFor } from "../../src/modules/flows/links/signed-links"
import { buildTemplateVariables, renderEmail } from "../../src/engine"

const BACKEND = "https://api.example.com"

const message: OutgoingMessage = {
  id: "flowmsg_1",
  idempotency_key: "flow_1:flowrun_1:reminder",
  channel: "email",
  to: "ann@example.com",
  flow_id: "flow_1",
  run_id: "flowrun_1",
  step_id: "reminder",
  subject: "Your cart",
  html: "<p>Hi</p>",
  text: "Hi",
  unsubscribe_url: "https://api.example.com/flows/unsubscribe?token=abc",
}

describe("SendGrid channel, real SDK against the fake", () => {
  const fake = new FakeSendGrid()
  let channel: SendGridChannel

  const sendGridChannel = (options: Partial<ConstructorParameters<typeof SendGridChannel>[0]>) =>
    new SendGridChannel(
      {
        apiKey: fake.apiKey,
        from: { email: "shop@example.com" },
        dataResidency: "global",
        apiBaseUrl: fake.url,
        webhookMaxAgeSeconds: 600,
        batchWindowMs: 50,
        ...options,
      },
      2000,
      BACKEND
    )

  beforeAll(async () => {
    await fake.start()
    channel = sendGridChannel({ from: { email: "shop@example.com", name: "Shop" }, dataResidency: "eu" })
  })
  afterAll(() => fake.stop())

  it("sends a message that conforms to SendGrid's schema and keeps the X-Message-Id", async () => {
    await expect(channel.deliver(message)).resolves.toEqual({ status: "sent", provider_id: expect.stringMatching(/^fakeSgMsg\d+$/) })
    const { body, authorization } = fake.requests.at(-1)!
    expect(authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(body).toMatchObject({
      from: { email: "shop@example.com", name: "Shop" },
      subject: "Your cart",
      content: [
        { type: "text/plain", value: "Hi" },
        { type: "text/html", value: "<p>Hi</p>" },
      ],
      categories: ["flow:flow_1", "step:reminder"],
      personalizations: [
        {
          to: [{ email: "ann@example.com" }],
          custom_args: { flows_message_id: "flowmsg_1", flows_flow_id: "flow_1", flows_step_id: "reminder" },
          headers: {
            "List-Unsubscribe": "<https://api.example.com/flows/unsubscribe?token=abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
          },
        },
      ],
    })
  })

  it("puts identical messages of one step into one request, a personalization each", async () => {
    const before = fake.requests.length
    const recipients = ["a@example.com", "b@example.com", "c@example.com"]
    const results = await Promise.all([
      ...recipients.map((to, i) => channel.deliver({ ...message, id: `flowmsg_b${i}`, to })),
      channel.deliver({ ...message, id: "flowmsg_other", to: "d@example.com", subject: "Different" }),
    ])
    const requests = fake.requests.slice(before)
    expect(requests).toHaveLength(2)
    const batched = requests.find((r) => r.body.subject === "Your cart")!
    expect(batched.body.personalizations.map((p: any) => [p.to[0].email, p.custom_args.flows_message_id])).toEqual(
      recipients.map((to, i) => [to, `flowmsg_b${i}`])
    )
    expect(new Set(results.slice(0, 3).map((r) => r.provider_id)).size).toBe(1)
    expect(results[3].provider_id).not.toBe(results[0].provider_id)
  })

  /** A step's email rendered for one person: the same template, their own recovery and unsubscribe links. */
  async function renderedFor(name: string, firstName: string | null = null): Promise<OutgoingMessage> {
    const ids = { cart_id: `cart_${name}`, contact_id: `contact_${name}`, flow_id: "flow_1" }
    const links = linksFor({ backendUrl: BACKEND, secret: "test-secret" }, ids)
    const variables = buildTemplateVariables({
      customer: { first_name: firstName },
      store: { name: "Shop & Co", url: "https://shop.example.com" },
      links,
    })
    const template = {
      subject: "Still thinking it over?",
      html: emailLayout(
        `<p>{% if customer.first_name %}Hi {{ customer.first_name }},{% else %}Hi,{% endif %}</p>${button("{{ links.recovery }}", "Back to your cart")}<a href="{{ links.preferences }}">Preferences</a>`
      ),
    }
    const rendered = await renderEmail(template, variables)
    return {
      ...message,
      ...rendered,
      id: `flowmsg_${name}`,
      to: `${name}@example.com`,
      run_id: `flowrun_${name}`,
      unsubscribe_url: links.unsubscribe,
    }
  }

  it("batches emails that differ only in each recipient's own links, carried as substitutions", async () => {
    const messages = await Promise.all(["ann", "ben", "cy", "dee", "eve"].map((name) => renderedFor(name)))
    expect(new Set(messages.map((m) => m.html)).size).toBe(messages.length)
    const before = fake.requests.length
    const results = await Promise.all(messages.map((m) => channel.deliver(m)))

    const requests = fake.requests.slice(before)
    expect(requests).toHaveLength(1)
    const [{ body }] = requests
    // Each link keeps its start in the body, so SendGrid's click tracking still finds it.
    expect(body.content[1].value).toContain('href="https://api.example.com/flows/recover?token={flows_link_')
    expect(body.personalizations).toHaveLength(messages.length)
    messages.forEach((m, i) => {
      const personalization = body.personalizations[i]
      expect(personalization.to).toEqual([{ email: m.to }])
      const token = m.unsubscribe_url!.split("token=")[1]
      expect(Object.values(personalization.substitutions)).toContain(token)
      expect(JSON.stringify(body.content)).not.toContain(token)
      expect(personalization.headers["List-Unsubscribe"]).toBe(`<${m.unsubscribe_url}>`)
      // What the recipient gets is exactly what was rendered, and stored, for them.
      const delivered = fake.deliveries.find((d) => d.custom_args.flows_message_id === m.id)!
      expect(delivered).toMatchObject({ to: m.to, subject: m.subject, html: m.html, text: m.text })
      expect(delivered.html).toContain(`href="${m.unsubscribe_url}"`)
    })
    expect(new Set(results.map((r) => r.provider_id)).size).toBe(1)
  })

  it("sends emails with personal content apart, each exactly as rendered", async () => {
    const messages = [await renderedFor("fay", "Fay"), await renderedFor("gus", "Gus")]
    const before = fake.requests.length
    await Promise.all(messages.map((m) => channel.deliver(m)))
    expect(fake.requests.length - before).toBe(2)
    for (const m of messages) {
      expect(fake.deliveries.find((d) => d.custom_args.flows_message_id === m.id)).toMatchObject({ html: m.html, text: m.text })
    }
  })

  it("sends a full batch of 1000 at once, and one recipient twice in separate requests", async () => {
    const template = await renderedFor("many")
    const many = Array.from({ length: 1001 }, (_, i) => ({ ...template, id: `flowmsg_many${i}`, to: `many${i}@example.com` }))
    const twice = [0, 1].map((i) => ({ ...template, id: `flowmsg_twice${i}`, to: "twice@example.com" }))
    const before = fake.requests.length
    await Promise.all([...many, ...twice].map((m) => channel.deliver(m)))
    // 1000, then the 1001st with the first twice@, then the second twice@ in a request of its own.
    const sizes = fake.requests.slice(before).map((r) => r.body.personalizations.length)
    expect(sizes.sort((a, b) => a - b)).toEqual([1, 2, 1000])
    expect(fake.deliveries.filter((d) => d.to === "twice@example.com")).toHaveLength(2)
  })

  it("sends each email alone with a batch window of 0", async () => {
    const alone = sendGridChannel({ batchWindowMs: 0 })
    const messages = await Promise.all(["hal", "ivy"].map((name) => renderedFor(name)))
    const before = fake.requests.length
    await Promise.all(messages.map((m) => alone.deliver(m)))
    expect(fake.requests.slice(before).map((r) => r.body.personalizations.length)).toEqual([1, 1])
  })

  it("marks a 429 retryable with the rate limit's reset time", async () => {
    const reset = Math.floor(Date.now() / 1000) + 30
    fake.respondNext({
      status: 429,
      headers: { "x-ratelimit-limit": "600", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      body: { errors: [{ field: null, message: "too many requests" }] },
    })
    const error: ProviderError = await channel.deliver(message).catch((e) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.details).toMatchObject({ retryable: true, code: "429" })
    expect(error.details.retryAfterMs).toBeGreaterThan(25_000)
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(30_000)
  })

  it.each([
    [500, true],
    [400, false],
    [401, false],
    [413, false],
  ])("marks a %i retryable: %s", async (status, retryable) => {
    fake.respondNext({ status, body: { errors: [{ field: "from.email", message: "scripted failure" }] } })
    const error: ProviderError = await channel.deliver(message).catch((e) => e)
    expect(error.details).toMatchObject({ retryable, code: String(status) })
    expect(error.message).toBe(`SendGrid ${status}: from.email: scripted failure`)
  })

  it("refuses, as SendGrid would, a body that breaks the published schema", async () => {
    const response = await fetch(`${fake.url}/v3/mail/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${fake.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ from: { email: "shop@example.com" }, subject: "x", personalizations: [{ to: "ann@example.com" }] }),
    })
    expect(response.status).toBe(400)
    expect((await response.json()).errors[0].message).toMatch(/personalizations\/0\/to must be array/)
  })

  it("reports a mail accepted without an answer in time as possibly sent, not retryable", async () => {
    fake.answerLate(2500)
    const before = fake.requests.length
    const error: ProviderError = await channel.deliver({ ...message, id: "flowmsg_slow", to: "slow@example.com" }).catch((e) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.details).toMatchObject({ retryable: false, mayHaveBeenSent: true })
    expect(error.message).toMatch(/^SendGrid did not answer: timeout of 2000ms exceeded/)
    expect(fake.requests.length - before).toBe(1)
  })

  it("retries a refused connection: nothing reached SendGrid", async () => {
    // A port nothing listens on any more.
    const closed = await new FakeSendGrid().start()
    const closedUrl = closed.url
    await closed.stop()
    const unreachable = sendGridChannel({ apiBaseUrl: closedUrl })
    const error: ProviderError = await unreachable.deliver(message).catch((e) => e)
    expect(error.details).toEqual({ retryable: true, code: "ECONNREFUSED" })
    expect(error.message).toMatch(/^SendGrid could not be reached/)
  })

  it("adds the reply-to address and the unsubscribe group when they are set", async () => {
    const withGroup = sendGridChannel({ replyTo: "help@example.com", unsubscribeGroupId: 4242 })
    await withGroup.deliver({ ...message, id: "flowmsg_asm", to: "asm@example.com" })
    expect(fake.requests.at(-1)!.body).toMatchObject({ reply_to: { email: "help@example.com" }, asm: { group_id: 4242 } })
  })

  it("is refused with a wrong key", async () => {
    const wrong = sendGridChannel({ apiKey: "SG.wrong" })
    const error: ProviderError = await wrong.deliver(message).catch((e) => e)
    expect(error.message).toBe("SendGrid 401: authorization required")
    expect(error.details.retryable).toBe(false)
  })

  it("checks the key with a sandbox-mode send that SendGrid accepts and never delivers", async () => {
    const before = fake.requests.length
    await expect(channel.checkCredentials()).resolves.toBe("SendGrid accepted the API key (sandbox-mode send from shop@example.com)")
    expect(fake.requests.slice(before).map((r) => r.body.mail_settings)).toEqual([{ sandbox_mode: { enable: true } }])
    const wrong = sendGridChannel({ apiKey: "SG.wrong", dataResidency: "eu" })
    await expect(wrong.checkCredentials()).rejects.toThrow("SendGrid 401: authorization required")
  })

  it("signs webhooks that the real verifier accepts, and only untouched", () => {
    const { body, headers } = fake.signedEvents([{ event: "delivered", sg_event_id: "e1" }])
    const webhook = new EventWebhook()
    const key = webhook.convertPublicKeyToECDSA(fake.verificationKey)
    const signature = headers["x-twilio-email-event-webhook-signature"]
    const timestamp = headers["x-twilio-email-event-webhook-timestamp"]
    expect(webhook.verifySignature(key, body, signature, timestamp)).toBe(true)
    expect(webhook.verifySignature(key, body.replace("delivered", "bounce"), signature, timestamp)).toBe(false)
  })
})

describe("Twilio channel, real SDK against the fake", () => {
  const fake = new FakeTwilio()
  let channel: TwilioChannel
  const sms: OutgoingMessage = { ...message, channel: "sms", to: "+15005550006", text: "Your cart is waiting" }

  beforeAll(async () => {
    await fake.start()
    channel = new TwilioChannel(
      { accountSid: fake.accountSid, authToken: fake.authToken, from: "+15005550006", apiBaseUrl: fake.url, maxSegments: 4 },
      "https://api.example.com/hooks/flows/twilio/status",
      2000
    )
  })
  afterAll(() => fake.stop())

  it("sends form-encoded, with a status callback, and keeps the SID", async () => {
    await expect(channel.deliver(sms)).resolves.toEqual({ status: "sent", provider_id: expect.stringMatching(/^SM[0-9a-f]{32}$/) })
    expect(fake.requests.at(-1)!.params).toEqual({
      To: "+15005550006",
      From: "+15005550006",
      Body: "Your cart is waiting",
      StatusCallback: "https://api.example.com/hooks/flows/twilio/status",
    })
  })

  it("sends from a Messaging Service when one is set", async () => {
    const service = new TwilioChannel(
      {
        accountSid: fake.accountSid,
        authToken: fake.authToken,
        messagingServiceSid: `MG${"a".repeat(32)}`,
        apiBaseUrl: fake.url,
        maxSegments: 4,
      },
      "https://api.example.com/hooks/flows/twilio/status",
      2000
    )
    await service.deliver(sms)
    const params = fake.requests.at(-1)!.params
    expect(params.MessagingServiceSid).toBe(`MG${"a".repeat(32)}`)
    expect(params.From).toBeUndefined()
  })

  it("reports an opted-out recipient (21610) as final", async () => {
    const error: ProviderError = await channel.deliver({ ...sms, to: "+15005550004" }).catch((e) => e)
    expect(error.details).toMatchObject({ retryable: false, code: "21610", recipientOptedOut: true })
  })

  it("retries 20429 and 5xx, not other 4xx", async () => {
    fake.respondNext({ status: 429, code: 20429, message: "Too Many Requests" })
    expect(((await channel.deliver(sms).catch((e) => e)) as ProviderError).details).toMatchObject({ retryable: true, code: "20429" })
    fake.respondNext({ status: 503, code: 20500, message: "Service unavailable" })
    expect(((await channel.deliver(sms).catch((e) => e)) as ProviderError).details).toMatchObject({ retryable: true })
    const invalid: ProviderError = await channel.deliver({ ...sms, to: "+15005550001" }).catch((e) => e)
    expect(invalid.details).toMatchObject({ retryable: false, code: "21211" })
  })

  it("keeps the Retry-After of a 429 for the next attempt", async () => {
    // One fault, of the third kind the fake draws: 429 with Retry-After: 1.
    const draws = [0, 0.9]
    fake.injectFaults(1, () => draws.shift() ?? 1)
    const error: ProviderError = await channel.deliver(sms).catch((e) => e)
    fake.injectFaults(0, () => 1)
    expect(error.details).toMatchObject({ retryable: true, code: "20429", retryAfterMs: 1000 })
    expect(error.message).toBe("Twilio 429 (20429): Too Many Requests")
  })

  it("reports a text accepted without an answer in time as possibly sent, and retries a refused connection", async () => {
    fake.answerLate(2500)
    const before = fake.requests.length
    const late: ProviderError = await channel.deliver(sms).catch((e) => e)
    expect(late.details).toMatchObject({ retryable: false, mayHaveBeenSent: true })
    expect(late.message).toMatch(/^Twilio did not answer/)
    expect(fake.requests.length - before).toBe(1)

    // A port nothing listens on any more.
    const closed = await new FakeTwilio().start()
    const closedUrl = closed.url
    await closed.stop()
    const unreachable = new TwilioChannel(
      { accountSid: fake.accountSid, authToken: fake.authToken, from: "+15005550006", apiBaseUrl: closedUrl, maxSegments: 4 },
      "https://api.example.com/hooks/flows/twilio/status",
      2000
    )
    const refused: ProviderError = await unreachable.deliver(sms).catch((e) => e)
    expect(refused.details).toEqual({ retryable: true, code: "ECONNREFUSED" })
  })

  it("refuses, as Twilio would, a request without a recipient", async () => {
    const response = await fetch(`${fake.url}/2010-04-01/Accounts/${fake.accountSid}/Messages.json`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "Body=hi&From=%2B15005550006",
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: 21604, message: expect.stringMatching(/must have required property 'To'/) })
  })

  it("is refused with a wrong token", async () => {
    const wrong = new TwilioChannel(
      { accountSid: fake.accountSid, authToken: "nope", from: "+15005550006", apiBaseUrl: fake.url, maxSegments: 4 },
      "https://api.example.com/hooks/flows/twilio/status",
      2000
    )
    const error: ProviderError = await wrong.deliver(sms).catch((e) => e)
    expect(error.details).toMatchObject({ retryable: false, code: "20003" })
  })

  it("checks the credentials by fetching the account, and reports a suspended one", async () => {
    const before = fake.requests.length
    await expect(channel.checkCredentials()).resolves.toBe("Twilio accepted the credentials (account “Fake store account”, Full)")
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual([`/2010-04-01/Accounts/${fake.accountSid}.json`])
    const wrong = new TwilioChannel(
      { accountSid: fake.accountSid, authToken: "nope", from: "+15005550006", apiBaseUrl: fake.url, maxSegments: 4 },
      "https://api.example.com/hooks/flows/twilio/status",
      2000
    )
    await expect(wrong.checkCredentials()).rejects.toThrow("Twilio 401 (20003): Authenticate")
    fake.accountStatus = "suspended"
    try {
      await expect(channel.checkCredentials()).rejects.toThrow(`Twilio account ${fake.accountSid} is suspended`)
    } finally {
      fake.accountStatus = "active"
    }
  })
})

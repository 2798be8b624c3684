import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { useProviderFakes } from "../helpers/provider-fakes"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

const BACKEND = "http://localhost:9000"
const { sendgrid, twilio: twilioFake } = useProviderFakes({
  delivery: { maxAttempts: 3, baseDelayMs: 300, maxDelayMs: 1000, timeoutMs: 2000 },
})

const sendAtOnce = (step: Record<string, unknown>) => ({
  trigger: { event: "cart.updated", filters: { all: [{ field: "cart.email", op: "exists" }] } },
  steps: [{ id: "pause", type: "wait", duration: { amount: 1, unit: "seconds" } }, step],
})
const email = {
  id: "hello",
  type: "send_email",
  template: { subject: "Hello {{ cart.item_count }}", html: '<p>Hi</p><a href="{{ links.unsubscribe }}">Unsubscribe</a>' },
}
const text = { id: "text", type: "send_sms", template: { body: "Your cart at {{ store.name }} is waiting" } }

storeTestRunner(({ api, getContainer, store }) => {
  let flows: FlowsModuleService

  beforeEach(() => {
    flows = getContainer().resolve(FLOWS_MODULE)
  })

  async function startFlow(definition: unknown) {
    const { data } = await api.post("/admin/flows", { name: "Provider test", definition }, store.adminHeaders)
    await api.post(`/admin/flows/${data.flow.id}/activate`, {}, store.adminHeaders)
    return data.flow.id as string
  }

  async function cartFor(emailAddress: string, phone?: string) {
    const { data } = await api.post(
      "/store/carts",
      {
        region_id: store.regionId,
        email: emailAddress,
        items: [{ variant_id: store.variantId, quantity: 1 }],
        ...(phone ? { shipping_address: { first_name: "Ann", phone, country_code: "us" } } : {}),
      },
      store.storeHeaders
    )
    return data.cart.id as string
  }

  async function messageOf(flowId: string, done: (m: any) => boolean) {
    return await eventually(async () => {
      const [message] = await flows.listMessages({ flow_id: flowId })
      return message && done(message) ? message : undefined
    })
  }

  async function post(path: string, signed: { body: string; headers: Record<string, string> }) {
    const response = await fetch(`${api.defaults.baseURL}${path}`, { method: "POST", body: signed.body, headers: signed.headers })
    return { status: response.status, text: await response.text() }
  }

  it("sends email through SendGrid and follows its signed events", async () => {
    const flowId = await startFlow(sendAtOnce(email))
    await cartFor("sg@example.com")
    const message = await messageOf(flowId, (m) => m.status === "sent")
    expect(message).toMatchObject({ provider: "sendgrid", provider_id: expect.stringMatching(/^fakeSgMsg/), attempts: 1 })
    const request = sendgrid.requests.find((r) => r.body.personalizations[0].to[0].email === "sg@example.com")!
    expect(request.body.personalizations[0].custom_args.flows_message_id).toBe(message.id)
    expect(request.body.personalizations[0].headers["List-Unsubscribe"]).toMatch(/^<http:\/\/localhost:9000\/flows\/unsubscribe\?token=/)
    // The unsubscribe link travels as a substitution; the recipient gets exactly the stored message.
    expect(request.body.content[1].value).toContain('href="http://localhost:9000/flows/unsubscribe?token={flows_link_0}"')
    const delivered = sendgrid.deliveries.find((d) => d.custom_args.flows_message_id === message.id)!
    expect(delivered.html).toMatch(/href="http:\/\/localhost:9000\/flows\/unsubscribe\?token=/)
    expect(delivered).toMatchObject({ html: message.html, text: message.text, subject: message.subject })

    const events = ["processed", "delivered", "open", "click"].map((event, i) => ({
      event,
      email: "sg@example.com",
      timestamp: Math.floor(Date.now() / 1000),
      sg_event_id: `evt-${i}`,
      sg_message_id: `${message.provider_id}.filterdrecv-1`,
      flows_message_id: message.id,
    }))
    const webhook = `${api.defaults.baseURL}/hooks/flows/sendgrid`
    expect((await sendgrid.deliverEvents(webhook, events)).status).toBe(200)
    // Delivered again, as SendGrid does: nothing counts twice.
    expect(JSON.parse((await sendgrid.deliverEvents(webhook, events)).text)).toEqual({ received: 4, applied: 0 })

    expect(await flows.retrieveMessage(message.id)).toMatchObject({ status: "clicked" })
    const timeline = await flows.listContactEvents({ message_id: message.id }, { order: { occurred_at: "ASC" } })
    expect(timeline.map((e) => e.type).sort()).toEqual([
      "email.clicked",
      "email.delivered",
      "email.opened",
      "email.processed",
      "email.sent",
    ])
  })

  it("refuses forged, unsigned, stale and malformed SendGrid events and changes nothing", async () => {
    const flowId = await startFlow(sendAtOnce(email))
    await cartFor("forged@example.com")
    const message = await messageOf(flowId, (m) => m.status === "sent")
    const bounce = [{ event: "bounce", type: "bounce", email: "forged@example.com", sg_event_id: "b1", flows_message_id: message.id }]
    const signed = sendgrid.signedEvents(bounce)
    const forged = { ...signed, body: signed.body.replace("bounce", "click") }
    expect((await post("/hooks/flows/sendgrid", forged)).status).toBe(403)
    expect((await post("/hooks/flows/sendgrid", { body: signed.body, headers: { "content-type": "application/json" } })).status).toBe(401)
    const stale = sendgrid.signedEvents(bounce, Math.floor(Date.now() / 1000) - 3600)
    expect((await post("/hooks/flows/sendgrid", stale)).status).toBe(403)
    // Malformed signatures are refused like wrong ones, never a 500.
    const validSignature = signed.headers["x-twilio-email-event-webhook-signature"]
    for (const malformed of ["not base64 at all!", validSignature.slice(0, 20), ""]) {
      const headers = { ...signed.headers, "x-twilio-email-event-webhook-signature": malformed }
      const response = await post("/hooks/flows/sendgrid", { body: signed.body, headers })
      expect([malformed, response.status, JSON.parse(response.text).message]).toEqual([malformed, 403, "The signature does not match."])
    }
    expect(await flows.retrieveMessage(message.id)).toMatchObject({ status: "sent" })

    expect((await post("/hooks/flows/sendgrid", signed)).status).toBe(200)
    expect(await flows.retrieveMessage(message.id)).toMatchObject({ status: "bounced" })
    const [contact] = await flows.listContacts({ email: "forged@example.com" })
    expect(contact.email_consent).toBe("unsubscribed")
  })

  it("retries a 429 and a 500, then sends once", async () => {
    sendgrid.respondNext(
      { status: 429, headers: { "retry-after": "1" }, body: { errors: [{ field: null, message: "too many requests" }] } },
      { status: 500, body: { errors: [{ field: null, message: "internal server error" }] } }
    )
    const flowId = await startFlow(sendAtOnce(email))
    await cartFor("retry@example.com")
    const message = await messageOf(flowId, (m) => m.status === "sent")
    expect(message.attempts).toBe(3)
    // The message row is marked sent before its run moves on: wait for the run to record the step's end.
    const outcomes = await eventually(async () => {
      const { data } = await api.get(`/admin/flows/runs?flow_id=${flowId}`, store.adminHeaders)
      const trail = data.runs[0].context.trail.filter((t: any) => t.step_id === "hello").map((t: any) => t.outcome)
      return trail.includes("sent") ? trail : undefined
    })
    expect(outcomes).toEqual(["provider_retry", "provider_retry", "sent"])
  })

  it("gives up after the last attempt and keeps the provider's error", async () => {
    sendgrid.respondNext(...[1, 2, 3].map(() => ({ status: 503, body: { errors: [{ field: null, message: "unavailable" }] } })))
    const flowId = await startFlow(sendAtOnce(email))
    await cartFor("down@example.com")
    const message = await messageOf(flowId, (m) => m.status === "failed")
    expect(message).toMatchObject({ attempts: 3, error_code: "503", error: "SendGrid 503: unavailable" })

    // SendGrid is back: the owner retries from the outbox, and it goes out once.
    const before = sendgrid.requests.length
    const retried = await api.post(`/admin/flows/messages/${message.id}/retry`, {}, store.adminHeaders)
    expect(retried.data.message).toMatchObject({
      status: "sent",
      attempts: 4,
      error: null,
      provider_id: expect.stringMatching(/^fakeSgMsg/),
    })
    expect(sendgrid.requests.length - before).toBe(1)
    const again = await api.post(`/admin/flows/messages/${message.id}/retry`, {}, store.adminHeaders).catch((e) => e.response)
    expect(again.status).toBe(400)
    expect(again.data.message).toBe("Only a failed or uncertain message can be retried; this one is sent")
  })

  it("resends an uncertain message only when the owner accepts that it may arrive twice", async () => {
    // As a send whose call timed out leaves it: the mail may have gone out.
    const message = await flows.createMessages({
      idempotency_key: "flow_u:run_u:hello",
      flow_id: "flow_u",
      run_id: "run_u",
      step_id: "hello",
      channel: "email",
      provider: "sendgrid",
      to: "maybe@example.com",
      status: "uncertain",
      subject: "Hello",
      html: "<p>Hi</p>",
      text: "Hi",
      attempts: 1,
      error: "SendGrid did not answer: timeout of 2000ms exceeded",
    })
    const retry = (body: unknown) =>
      api.post(`/admin/flows/messages/${message.id}/retry`, body, store.adminHeaders).catch((e) => e.response)
    const before = sendgrid.requests.length

    const refused = await retry({})
    expect(refused.status).toBe(400)
    expect(refused.data.message).toMatch(/may already have been sent .* confirm_duplicate_risk: true/)
    expect((await retry({ confirm_duplicate_risk: "yes" })).status).toBe(400)
    expect(sendgrid.requests.length).toBe(before)

    const confirmed = await retry({ confirm_duplicate_risk: true })
    expect(confirmed.data.message).toMatchObject({
      status: "sent",
      attempts: 2,
      error: null,
      provider_id: expect.stringMatching(/^fakeSgMsg/),
    })
    expect(sendgrid.requests.length - before).toBe(1)
    const { data } = await api.get("/admin/flows/messages?status=uncertain", store.adminHeaders)
    expect(data.messages).toEqual([])
  })

  it("shows the providers and webhook URLs without a secret, and checks the credentials", async () => {
    const { data } = await api.get("/admin/flows/settings", store.adminHeaders)
    expect(data.settings).toMatchObject({
      email: { provider: "sendgrid", from: { email: "shop@example.com" }, webhook_signature_checked: true },
      sms: { provider: "twilio", account: `AC…${twilioFake.accountSid.slice(-4)}`, from: "+15005550006" },
      webhooks: {
        sendgrid_events: `${BACKEND}/hooks/flows/sendgrid`,
        twilio_status: `${BACKEND}/hooks/flows/twilio/status`,
        twilio_inbound: `${BACKEND}/hooks/flows/twilio/inbound`,
      },
      defaults: { emailConsent: "opt_out", attributionWindow: { amount: 5, unit: "days" } },
    })
    const shown = JSON.stringify(data)
    for (const secret of [sendgrid.apiKey, twilioFake.authToken, twilioFake.accountSid, "postgres://"]) {
      expect(shown).not.toContain(secret)
    }

    const email = await api.post("/admin/flows/settings/check-credentials", { channel: "email" }, store.adminHeaders)
    expect(email.data.check).toEqual({
      channel: "email",
      provider: "sendgrid",
      ok: true,
      detail: "SendGrid accepted the API key (sandbox-mode send from shop@example.com)",
    })
    twilioFake.accountStatus = "suspended"
    const sms = await api.post("/admin/flows/settings/check-credentials", { channel: "sms" }, store.adminHeaders)
    twilioFake.accountStatus = "active"
    expect(sms.data.check).toMatchObject({ provider: "twilio", ok: false, detail: `Twilio account ${twilioFake.accountSid} is suspended` })
    const bad = await api.post("/admin/flows/settings/check-credentials", { channel: "fax" }, store.adminHeaders).catch((e) => e.response)
    expect(bad.status).toBe(400)
  })

  it("texts through Twilio, follows status callbacks and honours STOP", async () => {
    const flowId = await startFlow(sendAtOnce(text))
    // Consent belongs to the number, and is given before the cart: the text is decided as soon as the
    // dispatcher records the cart, which can be before this test sees the contact.
    await flows.createPhoneConsents({ phone: "+14155550123", state: "granted", state_at: new Date() })
    await cartFor("sms@example.com", "(415) 555-0123")
    const [contact] = await eventually(async () => {
      const found = await flows.listContacts({ email: "sms@example.com" })
      return found.length ? found : undefined
    })
    expect(contact.phone).toBe("+14155550123")

    const message = await messageOf(flowId, (m) => m.status === "sent")
    expect(message).toMatchObject({ provider: "twilio", to: "+14155550123", text: "Your cart at Test Store is waiting", segments: 1 })
    expect(twilioFake.requests.at(-1)!.params.StatusCallback).toBe(`${BACKEND}/hooks/flows/twilio/status`)

    const callback = { MessageSid: message.provider_id as string, MessageStatus: "delivered", AccountSid: twilioFake.accountSid }
    const signed = twilioFake.signedForm(`${BACKEND}/hooks/flows/twilio/status`, callback)
    const forged = twilioFake.signedForm(`${BACKEND}/hooks/flows/twilio/status`, { ...callback, MessageStatus: "failed" })
    expect((await post("/hooks/flows/twilio/status", { ...signed, body: forged.body })).status).toBe(403)
    const delivered = await twilioFake.deliver(
      `${api.defaults.baseURL}/hooks/flows/twilio/status`,
      `${BACKEND}/hooks/flows/twilio/status`,
      callback
    )
    expect(delivered.status).toBe(204)
    expect(await flows.retrieveMessage(message.id)).toMatchObject({ status: "delivered" })

    const inbound = (body: string) =>
      twilioFake.signedForm(`${BACKEND}/hooks/flows/twilio/inbound`, {
        From: "+14155550123",
        To: "+15005550006",
        Body: body,
        MessageSid: `SM${body.length}${Date.now()}`,
      })
    expect((await post("/hooks/flows/twilio/inbound", inbound("  stop "))).status).toBe(200)
    expect(await flows.smsConsentOf("+14155550123")).toBe("unsubscribed")
    expect((await post("/hooks/flows/twilio/inbound", inbound("Unstop"))).status).toBe(200)
    expect(await flows.smsConsentOf("+14155550123")).toBe("granted")
    const help = await post("/hooks/flows/twilio/inbound", inbound("HELP"))
    expect(help.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Test Store: help at http://storefront.test. Reply STOP to unsubscribe.</Message></Response>'
    )
    const unsigned = await fetch(`${api.defaults.baseURL}/hooks/flows/twilio/inbound`, {
      method: "POST",
      body: "From=%2B14155550123&Body=START",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    })
    expect(unsigned.status).toBe(401)
  })

  it("asks a storefront SMS sign-up to confirm by text, and takes the signed YES as consent", async () => {
    const phone = "+14155550166"
    const signup = { phone, channels: ["sms"], source: "checkout", text: "Text me deals. Reply STOP to opt out." }
    const { data } = await api.post("/store/flows/consent", signup, store.storeHeaders)
    expect(data).toMatchObject({ channels: [], awaiting_confirmation: ["sms"] })
    const sent = twilioFake.requests.filter((r) => r.params.To === phone)
    expect(sent.map((r) => r.params.Body)).toEqual([
      "Test Store: reply YES to get texts from us. Msg & data rates may apply. Reply STOP to opt out.",
    ])
    const [confirmation] = await flows.listMessages({ contact_id: data.contact_id, step_id: "sms-confirmation" })
    expect(confirmation).toMatchObject({ provider: "twilio", status: "sent", provider_id: expect.stringMatching(/^SM/) })
    expect(await flows.smsConsentOf(phone)).toBe("pending")

    // Twilio may post the same message twice: one YES is one piece of evidence.
    const yes = twilioFake.signedForm(`${BACKEND}/hooks/flows/twilio/inbound`, {
      From: phone,
      To: "+15005550006",
      Body: "YES",
      MessageSid: `SMyes${Date.now()}`,
    })
    expect((await post("/hooks/flows/twilio/inbound", yes)).status).toBe(200)
    expect((await post("/hooks/flows/twilio/inbound", yes)).status).toBe(200)
    expect(await flows.smsConsentOf(phone)).toBe("granted")
    const evidence = await flows.listConsentEvidences({ contact_id: data.contact_id }, { order: { created_at: "ASC" } })
    expect(evidence.map((e) => [e.state, e.source, e.text])).toEqual([
      ["requested", "checkout", signup.text],
      ["granted", "sms_reply", "YES"],
    ])
  })

  it("sends a test of a step to the address the owner gives, and logs it", async () => {
    const definition = { ...sendAtOnce(email), steps: [email, text] }
    const { data } = await api.post("/admin/flows", { name: "Draft to test", definition }, store.adminHeaders)
    const flowId = data.flow.id
    const attempt = (stepId: string, body: unknown) =>
      api.post(`/admin/flows/${flowId}/steps/${stepId}/send-test`, body, store.adminHeaders).catch((e) => e.response)

    const sent = await attempt("hello", { to: "owner@example.com" })
    expect(sent.status).toBe(200)
    expect(sent.data.message).toMatchObject({
      provider: "sendgrid",
      status: "sent",
      to: "owner@example.com",
      subject: "Hello 3",
      metadata: { test: true },
      run_id: null,
    })
    expect(sendgrid.requests.at(-1)!.body.personalizations[0].to).toEqual([{ email: "owner@example.com" }])

    const texted = await attempt("text", { to: "+1 (415) 555-0199" })
    expect(texted.data.message).toMatchObject({ provider: "twilio", to: "+14155550199", text: "Your cart at Test Store is waiting" })

    // The content as the editor shows it, unsaved, with a real cart of the store.
    const cartId = await cartFor("real@example.com")
    const edited = await attempt("hello", {
      to: "owner@example.com",
      subject: { type: "cart", id: cartId },
      template: { subject: "Draft for {{ cart.email }}", html: "<p>{{ cart.item_count }} item</p>" },
    })
    expect(edited.data.message).toMatchObject({ subject: "Draft for real@example.com", html: "<p>1 item</p>", metadata: { test: true } })
    expect((await attempt("hello", { to: "owner@example.com", template: { body: "a text" } })).data.message).toBe(
      "template does not fit the email channel of a send_email step"
    )
    expect((await attempt("hello", { to: "owner@example.com", template: { subject: "{{ x", html: "" } })).status).toBe(400)
    expect((await attempt("hello", { to: "owner@example.com", subject: { type: "cart", id: "cart_gone" } })).status).toBe(404)

    expect((await attempt("hello", { to: "not-an-email" })).status).toBe(400)
    expect((await attempt("text", { to: "+1 415 555" })).data.message).toMatch(/invalid phone number/)
    expect((await attempt("missing", { to: "owner@example.com" })).status).toBe(404)
    sendgrid.respondNext({
      status: 403,
      body: { errors: [{ field: "from", message: "The from address does not match a verified Sender Identity." }] },
    })
    const refused = await attempt("hello", { to: "owner@example.com" })
    expect(refused.status).toBe(502)
    expect(refused.data.message).toMatchObject({
      status: "failed",
      error_code: "403",
      error: expect.stringMatching(/verified Sender Identity/),
    })
  })

  it("records an opted-out number (21610) and an invalid one without sending", async () => {
    await flows.createPhoneConsents({ phone: "+15005550004", state: "granted", state_at: new Date() })
    const flowId = await startFlow(sendAtOnce(text))
    await cartFor("optout@example.com", "+15005550004")
    await cartFor("badphone@example.com", "+1415555")
    const messages = await eventually(async () => {
      const found = await flows.listMessages({ flow_id: flowId }, { order: { to: "ASC" } })
      return found.length === 2 && found.every((m) => m.status !== "sending") ? found : undefined
    })
    expect(messages.map((m) => [m.to, m.status, m.error_code ?? m.error])).toEqual([
      ["+1415555", "skipped", "invalid phone number: +1415555"],
      ["+15005550004", "failed", "21610"],
    ])
    expect(await flows.smsConsentOf("+15005550004")).toBe("unsubscribed")
  })
})

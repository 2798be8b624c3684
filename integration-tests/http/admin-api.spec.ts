import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { attempt, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

const definition = {
  trigger: { event: "order.placed" },
  exit: { events: [{ event: "order.canceled", match: ["order_id"] }] },
  steps: [
    { id: "wait", type: "wait", duration: { amount: 1, unit: "days" } },
    { id: "thanks", type: "send_email", template: { subject: "Thanks!", html: "<p>Thanks {{ customer.first_name }}</p>" } },
  ],
}

storeTestRunner(({ api, getContainer, store }) => {
  it("needs an admin", async () => {
    const response = await attempt(api.get("/admin/flows"))
    expect(response.status).toBe(401)
  })

  it("creates, reads, lists, versions, pauses and deletes a flow", async () => {
    const created = await api.post("/admin/flows", { name: "Thank you", definition }, store.adminHeaders)
    expect(created.status).toBe(201)
    expect(created.data.flow).toMatchObject({ name: "Thank you", status: "draft", trigger_event: "order.placed", version: 1 })
    const id = created.data.flow.id

    const read = await api.get(`/admin/flows/${id}`, store.adminHeaders)
    expect(read.data.flow.definition).toEqual(definition)

    const drafts = (await api.get("/admin/flows?status=draft", store.adminHeaders)).data.count
    await api.post(`/admin/flows/${id}/activate`, {}, store.adminHeaders)
    const list = await api.get("/admin/flows?status=active", store.adminHeaders)
    expect(list.data).toMatchObject({ count: 1, limit: 20, offset: 0 })
    expect(list.data.flows[0].id).toBe(id)
    expect((await api.get("/admin/flows?status=draft", store.adminHeaders)).data.count).toBe(drafts - 1)

    const edited = { ...definition, steps: [definition.steps[1]] }
    const updated = await api.post(`/admin/flows/${id}`, { definition: edited }, store.adminHeaders)
    expect(updated.data).toMatchObject({ new_version: true, runs_on_previous_versions: 0, flow: { version: 2 } })

    const paused = await api.post(`/admin/flows/${id}/pause`, {}, store.adminHeaders)
    expect(paused.data.flow.status).toBe("paused")

    const deleted = await api.delete(`/admin/flows/${id}`, store.adminHeaders)
    expect(deleted.data).toEqual({ id, object: "flow", deleted: true })
    expect((await attempt(api.get(`/admin/flows/${id}`, store.adminHeaders))).status).toBe(404)
  })

  it.each([
    ["no name", { definition }, /name/],
    ["an unknown field", { name: "x", definition, colour: "red" }, /colour/],
    [
      "an unknown trigger",
      { name: "x", definition: { ...definition, trigger: { event: "cart.exploded" } } },
      /unknown trigger event "cart\.exploded"; expected one of cart\.updated, order\.placed/,
    ],
    ["no steps", { name: "x", definition: { ...definition, steps: [] } }, /field .definition, steps. too small/],
    [
      "a duplicate step id",
      { name: "x", definition: { ...definition, steps: [definition.steps[1], definition.steps[1]] } },
      /duplicate step id "thanks"/,
    ],
    [
      "a wait without a length",
      { name: "x", definition: { ...definition, steps: [{ id: "w", type: "wait" }] } },
      /a wait needs a duration or an until_time/,
    ],
    [
      "a template with a syntax error",
      {
        name: "x",
        definition: {
          ...definition,
          steps: [{ id: "bad", type: "send_email", template: { subject: "Hi", html: "<p>\n\n{% for x in y %}" } }],
        },
      },
      /steps\.bad\.html: line 3, column 1: tag \{% for x in y %\} not closed/,
    ],
  ])("refuses a flow with %s with a 400 that says why", async (_label, body, message) => {
    const before = (await api.get("/admin/flows", store.adminHeaders)).data.count
    const response = await attempt(api.post("/admin/flows", body, store.adminHeaders))
    expect(response.status).toBe(400)
    expect(response.data.type).toBe("invalid_data")
    expect(response.data.message).toMatch(message)
    expect((await api.get("/admin/flows", store.adminHeaders)).data.count).toBe(before)
  })

  it("captures storefront consent with its evidence, texts only after a YES, and rate-limits it", async () => {
    const body = {
      email: "News@Example.com",
      phone: "(415) 555-0142",
      country_code: "us",
      first_name: "Nell",
      timezone: "America/Los_Angeles",
      channels: ["email", "sms"],
      source: "footer-newsletter",
      text: "Send me news and offers by email and text. Reply STOP to opt out.",
    }
    const withUa = { headers: { ...store.storeHeaders.headers, "user-agent": "StorefrontTest/1.0" } }
    const created = await api.post("/store/flows/consent", body, withUa)
    expect(created.status).toBe(201)
    expect(created.data).toMatchObject({ channels: ["email"], awaiting_confirmation: ["sms"] })
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    const contactId = created.data.contact_id
    expect(await flows.retrieveContact(contactId)).toMatchObject({
      email: "news@example.com",
      phone: "+14155550142",
      email_consent: "granted",
      timezone: "America/Los_Angeles",
    })
    expect(await flows.smsConsentOf("+14155550142")).toBe("pending")
    const evidence = await flows.listConsentEvidences({ contact_id: contactId }, { order: { channel: "ASC" } })
    expect(evidence.map((e) => [e.channel, e.state, e.recipient, e.source, e.text, e.user_agent])).toEqual([
      ["email", "granted", "news@example.com", "footer-newsletter", body.text, "StorefrontTest/1.0"],
      ["sms", "requested", "+14155550142", "footer-newsletter", body.text, "StorefrontTest/1.0"],
    ])
    expect(evidence[0].ip).toBeTruthy()

    // The number's owner is asked to confirm, once a day however often the form is sent.
    await api.post("/store/flows/consent", { ...body, channels: ["sms"] }, store.storeHeaders)
    const confirmations = await flows.listMessages({ contact_id: contactId, step_id: "sms-confirmation" })
    expect(confirmations).toHaveLength(1)
    expect(confirmations[0]).toMatchObject({
      channel: "sms",
      to: "+14155550142",
      status: "delivered",
      run_id: null,
      segments: 1,
      text: "Test Store: reply YES to get texts from us. Msg & data rates may apply. Reply STOP to opt out.",
    })
    expect(await flows.smsConsentOf("+14155550142")).toBe("pending")

    const yes = await api.post("/admin/flows/sandbox/replies", { from: "+14155550142", body: "Yes" }, store.adminHeaders)
    expect(yes.data).toEqual({ keyword: "start" })
    expect(await flows.smsConsentOf("+14155550142")).toBe("granted")
    const confirmed = await flows.listConsentEvidences({ contact_id: contactId, source: "sms_reply" })
    expect(confirmed.map((e) => [e.channel, e.state, e.text])).toEqual([["sms", "granted", "Yes"]])

    const noPhone = await attempt(api.post("/store/flows/consent", { ...body, phone: undefined }, store.storeHeaders))
    expect(noPhone.status).toBe(400)
    expect(noPhone.data.message).toMatch(/SMS consent needs a phone number/)
    const badPhone = await attempt(api.post("/store/flows/consent", { ...body, phone: "+1 415 555" }, store.storeHeaders))
    expect(badPhone.data.message).toMatch(/invalid phone number/)
    const badZone = await attempt(api.post("/store/flows/consent", { ...body, timezone: "Mars/Olympus_Mons" }, store.storeHeaders))
    expect(badZone.status).toBe(400)
    expect(badZone.data.message).toMatch(/expected an IANA time zone/)
    expect((await attempt(api.post("/store/flows/consent", body))).status).toBe(400)

    // 3 evidence rows so far from this address (the reply has none); the default allows 10 a minute.
    const emailOnly = { ...body, channels: ["email"], phone: undefined }
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      statuses.push(
        (await attempt(api.post("/store/flows/consent", { ...emailOnly, email: `n${i}@example.com` }, store.storeHeaders))).status
      )
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 201, 429])
  })

  it("ships the built-in flows as drafts, ready to switch on", async () => {
    const { data } = await api.get("/admin/flows?status=draft", store.adminHeaders)
    expect(data.flows.map((f: any) => f.handle).sort()).toEqual([
      "abandoned-cart",
      "post-purchase",
      "review-request",
      "welcome-series",
      "win-back",
    ])
  })

  it("reports analytics for a period, and refuses a period that makes no sense", async () => {
    const { data } = await api.get("/admin/flows/analytics?from=2026-01-01&to=2026-02-01", store.adminHeaders)
    expect(data).toEqual({
      from: "2026-01-01T00:00:00.000Z",
      to: "2026-02-01T00:00:00.000Z",
      totals: {
        sent: 0,
        delivered: 0,
        opened: 0,
        machine_opened: 0,
        clicked: 0,
        failed: 0,
        converted: 0,
        canceled: 0,
        unsubscribed: 0,
        revenue: [],
        refunded: [],
      },
      flows: [],
      steps: [],
      variants: [],
      daily: [],
    })
    const backwards = await attempt(api.get("/admin/flows/analytics?from=2026-02-01&to=2026-01-01", store.adminHeaders))
    expect(backwards.status).toBe(400)
    expect(backwards.data.message).toContain("from must be before to")
    const tooLong = await attempt(api.get("/admin/flows/analytics?from=2020-01-01&to=2026-01-01", store.adminHeaders))
    expect(tooLong.data.message).toContain("at most 366 days")
    const notADate = await attempt(api.get("/admin/flows/analytics?from=yesterday", store.adminHeaders))
    expect(notADate.status).toBe(400)
  })

  it("exports analytics as CSV per flow and per step, and refuses a bad period or level", async () => {
    const csv = await api.get("/admin/flows/analytics/export?from=2026-01-01&to=2026-02-01&level=step", store.adminHeaders)
    expect(csv.headers["content-type"]).toContain("text/csv")
    expect(csv.headers["content-disposition"]).toContain('filename="flows-steps-2026-01-01-2026-02-01.csv"')
    expect(String(csv.data).split("\n")[0]).toBe(
      "flow_id,flow_name,step_id,sent,delivered,opened,open_rate,machine_opened,clicked,click_rate,failed,converted,conversion_rate,canceled,unsubscribed"
    )
    const perFlow = await api.get("/admin/flows/analytics/export?from=2026-01-01&to=2026-02-01", store.adminHeaders)
    expect(String(perFlow.data).startsWith("flow_id,flow_name,sent,")).toBe(true)
    const backwards = await attempt(api.get("/admin/flows/analytics/export?from=2026-02-01&to=2026-01-01", store.adminHeaders))
    expect(backwards.status).toBe(400)
    const badLevel = await attempt(api.get("/admin/flows/analytics/export?level=contact", store.adminHeaders))
    expect(badLevel.status).toBe(400)
  })

  it("answers for an order no flow touched, and refuses to retry a message that does not exist", async () => {
    const { data } = await api.get("/admin/flows/orders/order_unknown", store.adminHeaders)
    expect(data).toEqual({ attribution: null, messages: [] })
    const missing = await attempt(api.post("/admin/flows/messages/flowmsg_missing/retry", {}, store.adminHeaders))
    expect(missing.status).toBe(404)
  })

  it("offers the built-in flows as templates to start a new flow from", async () => {
    const { data } = await api.get("/admin/flows/templates", store.adminHeaders)
    expect(data.templates.map((t: any) => t.handle).sort()).toEqual([
      "abandoned-cart",
      "post-purchase",
      "review-request",
      "welcome-series",
      "win-back",
    ])
    const welcome = data.templates.find((t: any) => t.handle === "welcome-series")
    const created = await api.post("/admin/flows", { name: welcome.name, definition: welcome.definition }, store.adminHeaders)
    expect(created.data.flow).toMatchObject({ status: "draft", trigger_event: "customer.created,newsletter.subscribed" })
  })

  it("previews a template with a real cart picked from the store, and counts a text's segments", async () => {
    const { data: cartData } = await api.post(
      "/store/carts",
      { region_id: store.regionId, email: "real@example.com", items: [{ variant_id: store.variantId, quantity: 3 }] },
      store.storeHeaders
    )
    const { data: subjects } = await api.get("/admin/flows/preview-subjects", store.adminHeaders)
    expect(subjects.carts.map((c: any) => c.id)).toContain(cartData.cart.id)
    expect(Object.keys(subjects).sort()).toEqual(["carts", "customers", "orders"])

    const template = {
      subject: "{{ cart.item_count }} for {{ cart.email }}",
      html: "{% for item in cart.items %}<p>{{ item.title }} × {{ item.quantity }}</p>{% endfor %}",
    }
    const { data } = await api.post(
      "/admin/flows/preview",
      { channel: "email", subject: { type: "cart", id: cartData.cart.id }, template },
      store.adminHeaders
    )
    expect(data.preview.subject).toBe("3 for real@example.com")
    expect(data.preview.html).toContain(`<p>${store.productTitle} × 3</p>`)

    const missing = await attempt(
      api.post("/admin/flows/preview", { channel: "email", subject: { type: "cart", id: "cart_missing" }, template }, store.adminHeaders)
    )
    expect(missing.status).toBe(404)
    expect(missing.data.message).toBe('No cart with id "cart_missing"')

    const sms = await api.post("/admin/flows/preview", { channel: "sms", template: { body: "Grüße – 20% off ✨" } }, store.adminHeaders)
    expect(sms.data.preview).toMatchObject({ body: "Grüße – 20% off ✨", characters: 17, segments: 1, encoding: "UCS-2" })

    // A text previews with the short link a send would carry, and that link leads to the cart.
    const withLink = await api.post(
      "/admin/flows/preview",
      { channel: "sms", subject: { type: "cart", id: cartData.cart.id }, template: { body: "Back: {{ links.recovery }}" } },
      store.adminHeaders
    )
    const link = withLink.data.preview.body.match(/^Back: http:\/\/localhost:9000(\/flows\/r\/[\w-]{12})$/)
    expect(link).not.toBeNull()
    expect(withLink.data.preview).toMatchObject({ characters: 48, segments: 1 })
    const followed = await api.get(link[1], { maxRedirects: 0, validateStatus: () => true })
    expect([followed.status, followed.headers.location]).toEqual([302, `http://storefront.test/cart?cart_id=${cartData.cart.id}`])
  })

  it("shows a customer's consent, runs, timeline and messages, and nothing for one it has not met", async () => {
    const unknown = await api.get("/admin/flows/customers/cus_unknown", store.adminHeaders)
    expect(unknown.data).toEqual({ contact: null, engagement: null, evidence: [], runs: [], timeline: [], messages: [] })

    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    const { contact_id } = await flows.recordEvent({
      name: "customer.created",
      occurred_at: new Date(),
      subject: { type: "customer", id: "cus_known" },
      identity: { customer_id: "cus_known", email: "known@example.com" },
      facts: { customer: { id: "cus_known", email: "known@example.com" } },
    })
    await api.post(
      "/store/flows/consent",
      { email: "known@example.com", channels: ["email"], source: "account", text: "Email me offers" },
      store.storeHeaders
    )
    const { data } = await api.get("/admin/flows/customers/cus_known", store.adminHeaders)
    expect(data.contact).toMatchObject({ id: contact_id, email: "known@example.com", email_consent: "granted" })
    expect(data.engagement.level).toBe("new")
    expect(data.evidence).toEqual([expect.objectContaining({ channel: "email", source: "account", text: "Email me offers" })])
    expect(data.timeline.map((e: any) => e.type)).toContain("customer.created")
  })

  it("counts each flow's runs in progress and the last 30 days' messages for the list", async () => {
    const { data } = await api.get("/admin/flows/stats", store.adminHeaders)
    const { data: list } = await api.get("/admin/flows?limit=100", store.adminHeaders)
    expect(data.stats.map((s: any) => s.flow_id).sort()).toEqual(list.flows.map((f: any) => f.id).sort())
    expect(data.stats[0]).toEqual({
      flow_id: expect.any(String),
      active_runs: expect.any(Number),
      sent: expect.any(Number),
      opened: expect.any(Number),
      clicked: expect.any(Number),
      converted: expect.any(Number),
      revenue: expect.any(Array),
    })
  })

  it("refuses bad list filters and an empty update", async () => {
    expect((await attempt(api.get("/admin/flows/messages?channel=fax", store.adminHeaders))).status).toBe(400)
    expect((await attempt(api.get("/admin/flows/runs?limit=0", store.adminHeaders))).status).toBe(400)
    const created = await api.post("/admin/flows", { name: "x", definition }, store.adminHeaders)
    const empty = await attempt(api.post(`/admin/flows/${created.data.flow.id}`, {}, store.adminHeaders))
    expect(empty.status).toBe(400)
    expect(empty.data.message).toMatch(/nothing to update/)
    const missing = await attempt(api.post("/admin/flows/flow_missing", { name: "y" }, store.adminHeaders))
    expect(missing.status).toBe(404)
  })

  it("previews a template against sample data, escaping what it inserts", async () => {
    const email = await api.post(
      "/admin/flows/preview",
      {
        channel: "email",
        sample: "cart",
        template: {
          subject: "{{ customer.first_name }}, {{ cart.item_count }} items & more",
          preheader: "Still yours",
          html: "<body><p>{{ cart.total }}</p>{% for item in cart.items %}<i>{{ item.title }}</i>{% endfor %}{{ '<b>' }}</body>",
        },
      },
      store.adminHeaders
    )
    expect(email.data.preview.subject).toBe("Ann, 3 items & more")
    expect(email.data.preview.html).toContain("<p>$64.00</p><i>Canvas Tote</i><i>Enamel Mug</i>&lt;b&gt;")
    expect(email.data.preview.html).toMatch(/<body><div style="display:none[^"]*">Still yours<\/div>/)
    expect(email.data.preview.text).toContain("$64.00")

    const sms = await api.post(
      "/admin/flows/preview",
      { channel: "sms", template: { body: "Hi {{ customer.first_name }} & co: {{ links.recovery }}" } },
      store.adminHeaders
    )
    expect(sms.data.preview.body).toBe("Hi Ann & co: https://shop.example.com/cart?recover=sample")

    const broken = await attempt(
      api.post("/admin/flows/preview", { channel: "sms", template: { body: "{{ x | nope }}" } }, store.adminHeaders)
    )
    expect(broken.status).toBe(400)
    expect(broken.data.message).toMatch(/body: line 1, column 1: undefined filter: nope/)
  })

  it("takes a text reply to a sandbox message: STOP ends SMS consent, a bad number is refused", async () => {
    await api.post(
      "/store/flows/consent",
      { phone: "+12025550177", channels: ["sms"], source: "checkout", text: "Text me" },
      store.storeHeaders
    )
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    await api.post("/admin/flows/sandbox/replies", { from: "+12025550177", body: "YES" }, store.adminHeaders)
    expect(await flows.smsConsentOf("+12025550177")).toBe("granted")

    const reply = await api.post("/admin/flows/sandbox/replies", { from: "+12025550177", body: "stop" }, store.adminHeaders)
    expect(reply.data).toEqual({ keyword: "stop" })
    expect(await flows.smsConsentOf("+12025550177")).toBe("unsubscribed")

    const bad = await attempt(api.post("/admin/flows/sandbox/replies", { from: "555-0177", body: "STOP" }, store.adminHeaders))
    expect(bad.status).toBe(400)
    expect(bad.data.message).toMatch(/expected an E\.164 number/)
  })
})

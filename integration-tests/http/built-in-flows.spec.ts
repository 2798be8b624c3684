import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { walkSteps, type FlowDefinition } from "../../src/engine"
import { enableShipping } from "../../examples/demo-store/src/lib/shipping"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(180_000)

/** The built-in definition with every wait cut to seconds, as an owner trying a flow out would. */
function withShortWaits(definition: FlowDefinition, seconds: number): FlowDefinition {
  const short = structuredClone(definition)
  const duration = { amount: seconds, unit: "seconds" as const }
  walkSteps(short.steps, (step) => {
    if (step.type === "wait") {
      step.duration = duration
      delete step.until_time
    }
    if (step.type === "wait_until") {
      step.timeout = { amount: seconds * 10, unit: "seconds" }
      step.check_every = { amount: 1, unit: "seconds" }
    }
  })
  if (short.trigger.inactive_for) {
    short.trigger.inactive_for = duration
  }
  return short
}

const PHONE = "+12025550143"

storeTestRunner(({ api, getContainer, store }) => {
  const admin = () => store.adminHeaders
  const shopper = () => store.storeHeaders

  /** Finds a seeded built-in flow, shortens its waits through the admin API and switches it on. */
  async function activateBuiltIn(handle: string, seconds = 2): Promise<string> {
    // The runner empties the database between tests; a first start would have seeded these.
    await getContainer().resolve<FlowsModuleService>(FLOWS_MODULE).seedBuiltInFlows()
    const { data } = await api.get("/admin/flows?limit=50", admin())
    const flow = data.flows.find((f: any) => f.handle === handle)
    expect(flow).toMatchObject({ status: "draft" })
    const edited = await api.post(`/admin/flows/${flow.id}`, { definition: withShortWaits(flow.definition, seconds) }, admin())
    expect(edited.data.new_version).toBe(true)
    const activated = await api.post(`/admin/flows/${flow.id}/activate`, {}, admin())
    expect(activated.data.flow.status).toBe("active")
    return flow.id
  }

  async function messagesOf(flowId: string, count: number) {
    return await eventually(async () => {
      const { data } = await api.get(`/admin/flows/messages?flow_id=${flowId}&limit=50`, admin())
      const messages = (data.messages as any[]).sort((a, b) => a.created_at.localeCompare(b.created_at))
      // A row is written as "sending" before the provider is called: wait for each send's outcome.
      return messages.length >= count && messages.every((m) => m.status !== "sending") ? messages : undefined
    }, 40_000)
  }

  async function runsOf(flowId: string) {
    const { data } = await api.get(`/admin/flows/runs?flow_id=${flowId}`, admin())
    return data.runs as any[]
  }

  async function createCart(email: string, quantity = 2) {
    const { data } = await api.post(
      "/store/carts",
      {
        region_id: store.regionId,
        email,
        items: [{ variant_id: store.variantId, quantity }],
        shipping_address: {
          first_name: "Sam",
          last_name: "Shopper",
          address_1: "5 Elm St",
          city: "Austin",
          country_code: "us",
          postal_code: "73301",
          phone: PHONE,
        },
      },
      shopper()
    )
    return data.cart.id as string
  }

  async function checkout(cartId: string, shippingOptionId?: string) {
    if (shippingOptionId) {
      await api.post(`/store/carts/${cartId}/shipping-methods`, { option_id: shippingOptionId }, shopper())
    }
    const { data: collection } = await api.post("/store/payment-collections", { cart_id: cartId }, shopper())
    await api.post(
      `/store/payment-collections/${collection.payment_collection.id}/payment-sessions`,
      { provider_id: "pp_system_default" },
      shopper()
    )
    const { data } = await api.post(`/store/carts/${cartId}/complete`, {}, shopper())
    expect(data.type).toBe("order")
    return data.order
  }

  const linkIn = (html: string, path: string) => {
    const found = html.match(new RegExp(`(http://localhost:9000${path}\\?token=[^"]+)`))
    expect(found).not.toBeNull()
    const url = new URL(found![1].replace(/&amp;/g, "&"))
    return url.pathname + url.search
  }
  const noRedirect = { maxRedirects: 0, validateStatus: () => true }

  it("abandoned cart: an email, a text with SMS consent, then a working single-use discount code", async () => {
    const flowId = await activateBuiltIn("abandoned-cart")
    const consent = await api.post(
      "/store/flows/consent",
      { email: "ava@example.com", phone: PHONE, channels: ["sms"], source: "checkout", text: "Text me about my order" },
      shopper()
    )
    expect(consent.status).toBe(201)
    // SMS double opt-in: texts start once she answers the confirmation.
    expect(consent.data.awaiting_confirmation).toEqual(["sms"])
    await api.post("/admin/flows/sandbox/replies", { from: PHONE, body: "YES" }, admin())
    const cartId = await createCart("ava@example.com")

    const [first, text, last] = await messagesOf(flowId, 3)
    expect(first).toMatchObject({
      channel: "email",
      to: "ava@example.com",
      subject: "You left something in your cart",
      status: "delivered",
    })
    expect(first.preheader).toBe("Your 2 item(s) are saved for you.")
    expect(first.html).toContain('<img src="https://cdn.example.com/tote.png"')
    expect(first.html).toContain(`${store.productTitle}`)
    expect(first.html).toContain("Qty 2")
    expect(first.html).toContain("$50.00")
    expect(first.text).toContain("Return to your cart")

    const recover = await api.get(linkIn(first.html, "/flows/recover"), noRedirect)
    expect([recover.status, recover.headers.location]).toEqual([302, `http://storefront.test/cart?cart_id=${cartId}`])
    const unsubscribePage = await api.get(linkIn(first.html, "/flows/unsubscribe"), noRedirect)
    expect(unsubscribePage.status).toBe(200)
    expect(unsubscribePage.data).toContain("Abandoned cart")

    // The short link keeps the built-in text to one segment; a tap on it leads to the cart and is the text's click.
    expect(text).toMatchObject({ channel: "sms", to: PHONE, provider: "sandbox", segments: 1 })
    const shortLink = text.text.match(
      /^Test Store: your cart \(\$50\.00\) is still waiting\. http:\/\/localhost:9000(\/flows\/r\/[\w-]{12}) Reply STOP to opt out\.$/
    )
    expect(shortLink).not.toBeNull()
    const linkPreview = await api.get(shortLink[1], { ...noRedirect, headers: { "user-agent": "WhatsApp/2.24.1.80 A" } })
    expect(linkPreview.status).toBe(302)
    expect((await api.get(`/admin/flows/messages/${text.id}`, admin())).data.message.status).toBe("delivered")
    const tap = await api.get(shortLink[1], {
      ...noRedirect,
      headers: { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148" },
    })
    expect([tap.status, tap.headers.location]).toEqual([302, `http://storefront.test/cart?cart_id=${cartId}`])
    const { data: tapped } = await api.get(`/admin/flows/messages/${text.id}`, admin())
    expect(tapped.message.status).toBe("clicked")
    expect(tapped.events.map((e: any) => e.type)).toContain("sms.clicked")
    const unknown = await api.get("/flows/r/aaaaaaaaaaaa", noRedirect)
    expect(unknown.status).toBe(404)
    expect(unknown.data).toContain("This link is not valid.")

    expect(last.subject).toBe("10% off your cart at Test Store")
    const code = last.html.match(/(COMEBACK-[0-9A-F]{10})/)[1]
    const otherCart = await createCart("someone@example.com", 1)
    const applied = await api.post(`/store/carts/${otherCart}/promotions`, { promo_codes: [code] }, shopper())
    expect(applied.data.cart.discount_total).toBe(2.5)

    const run = await eventually(async () => {
      const found = (await runsOf(flowId)).find((r) => r.cart_id === cartId)
      return found?.status === "completed" ? found : undefined
    })
    expect(run.context.trail.map((t: any) => `${t.step_id}:${t.outcome}`)).toEqual([
      "idle-1h:elapsed",
      "reminder-email:sent",
      "wait-24h:elapsed",
      "reminder-sms:sent",
      "wait-72h:elapsed",
      "last-call-email:sent",
    ])
  })

  it("abandoned cart: no text without SMS consent, and a purchase stops the reminders", async () => {
    const flowId = await activateBuiltIn("abandoned-cart", 5)
    const cartId = await createCart("ben@example.com")
    const [first] = await messagesOf(flowId, 1)
    expect(first.to).toBe("ben@example.com")
    const [skipped] = await eventually(async () => {
      const { data } = await api.get(`/admin/flows/messages?flow_id=${flowId}&channel=sms`, admin())
      return data.messages.length ? data.messages : undefined
    })
    expect(skipped).toMatchObject({ status: "skipped", error: "no SMS consent for this number" })

    const order = await checkout(cartId)
    const [run] = await eventually(async () => {
      const runs = await runsOf(flowId)
      return runs[0]?.status === "exited" ? runs : undefined
    })
    expect(run.exit_reason).toBe("event:order.placed")

    // The order is credited to the reminder that reached Ben, with its revenue, on the order page and in analytics.
    const { data: activity } = await api.get(`/admin/flows/orders/${order.id}`, admin())
    expect(activity.attribution).toMatchObject({
      flow_id: flowId,
      flow_name: "Abandoned cart",
      step_id: "reminder-email",
      message_id: first.id,
      touch: "message",
      amount: Number(order.total),
      currency_code: "usd",
    })
    const { data: report } = await api.get(`/admin/flows/analytics?flow_id=${flowId}`, admin())
    expect(report.flows).toEqual([
      expect.objectContaining({ flow_id: flowId, sent: 1, converted: 1, revenue: [{ currency_code: "usd", amount: Number(order.total) }] }),
    ])
    expect(report.steps.find((s: any) => s.step_id === "reminder-email")).toMatchObject({ sent: 1, delivered: 1, converted: 1 })
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    const { data } = await api.get(`/admin/flows/messages?flow_id=${flowId}`, admin())
    expect(data.messages.map((m: any) => m.idempotency_key.split(":").pop()).sort()).toEqual(["reminder-email", "reminder-sms"])
  })

  it("welcome series: a newsletter sign-up is welcomed once, even after opening an account", async () => {
    const flowId = await activateBuiltIn("welcome-series")
    const signup = { email: "nora@example.com", first_name: "Nora", channels: ["email"], source: "footer", text: "Send me news and offers" }
    expect((await api.post("/store/flows/consent", signup, shopper())).status).toBe(201)
    const [welcome] = await messagesOf(flowId, 1)
    expect(welcome).toMatchObject({ to: "nora@example.com", subject: "Welcome to Test Store" })
    expect(welcome.html).toContain("Hi Nora,")

    // She opens an account with the same address: still one welcome.
    const { data: auth } = await api.post("/auth/customer/emailpass/register", { email: "nora@example.com", password: "s3cret-pass" })
    await api.post(
      "/store/customers",
      { email: "nora@example.com", first_name: "Nora" },
      { headers: { ...shopper().headers, authorization: `Bearer ${auth.token}` } }
    )
    const [, followUp] = await messagesOf(flowId, 2)
    expect(followUp).toMatchObject({ to: "nora@example.com", subject: "Find something you love at Test Store" })
    // The run completes just after its last message is written: wait for it rather than race it.
    const runs = await eventually(async () => {
      const found = await runsOf(flowId)
      return found.some((run) => run.status === "active") ? undefined : found
    })
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ subject_type: "contact", status: "completed" })
  })

  it("welcome series: no follow-up for a customer who has ordered", async () => {
    // The wait must outlast her checkout on a loaded machine.
    const flowId = await activateBuiltIn("welcome-series", 10)
    const { data: auth } = await api.post("/auth/customer/emailpass/register", { email: "omar@example.com", password: "s3cret-pass" })
    await api.post(
      "/store/customers",
      { email: "omar@example.com", first_name: "Omar" },
      { headers: { ...shopper().headers, authorization: `Bearer ${auth.token}` } }
    )
    const [welcome] = await messagesOf(flowId, 1)
    expect(welcome.html).toContain("Hi Omar,")
    await checkout(await createCart("omar@example.com"))
    const [run] = await eventually(async () => {
      const found = await runsOf(flowId)
      return found[0]?.status === "completed" ? found : undefined
    })
    expect(run.context.trail.map((t: any) => `${t.step_id}:${t.outcome}`)).toEqual([
      "welcome-email:sent",
      "wait-3d:elapsed",
      "not-ordered-yet:else",
    ])
  })

  it("post-purchase and review request: thank-you, then a review link per product after delivery; a cancelled order ends it", async () => {
    const container = getContainer()
    const { shippingOptionId, locationId } = await enableShipping(container, {
      salesChannelId: store.salesChannelId,
      regionId: store.regionId,
      currencyCode: "usd",
      countryCode: "us",
      productIds: [store.productId],
    })
    const thankYouFlow = await activateBuiltIn("post-purchase", 3)
    const reviewFlow = await activateBuiltIn("review-request", 1)

    const order = await checkout(await createCart("cora@example.com"), shippingOptionId)
    const [thanks] = await messagesOf(thankYouFlow, 1)
    expect(thanks.subject).toBe(`Thank you for your order #${order.display_id}`)
    expect(thanks.html).toContain("Qty 2")

    await api.post(
      `/admin/orders/${order.id}/fulfillments`,
      { location_id: locationId, items: order.items.map((item: any) => ({ id: item.id, quantity: item.quantity })) },
      admin()
    )
    const { data: fulfilled } = await api.get(`/admin/orders/${order.id}?fields=*fulfillments`, admin())
    const fulfillment = fulfilled.order.fulfillments[0]
    await api.post(
      `/admin/orders/${order.id}/fulfillments/${fulfillment.id}/shipments`,
      { items: order.items.map((item: any) => ({ id: item.id, quantity: item.quantity })) },
      admin()
    )
    const [waiting] = await eventually(async () => {
      const runs = await runsOf(reviewFlow)
      return runs[0]?.step_id === "until-delivered" ? runs : undefined
    })
    expect(await runsOf(reviewFlow)).toHaveLength(1)
    await api.post(`/admin/orders/${order.id}/fulfillments/${fulfillment.id}/mark-as-delivered`, {}, admin())

    const [review] = await messagesOf(reviewFlow, 1)
    expect(review.run_id).toBe(waiting.id)
    expect(review).toMatchObject({ to: "cora@example.com", subject: "How do you like your order from Test Store?" })
    expect(review.html).toContain('href="http://storefront.test/products/canvas-tote#reviews"')
    const [, crossSell] = await messagesOf(thankYouFlow, 2)
    expect(crossSell.subject).toBe("Picked for you at Test Store")

    const second = await checkout(await createCart("dan@example.com"), shippingOptionId)
    await eventually(async () => ((await runsOf(thankYouFlow)).some((r) => r.order_id === second.id) ? true : undefined))
    await api.post(`/admin/orders/${second.id}/cancel`, {}, admin())
    const canceled = await eventually(async () => {
      const run = (await runsOf(thankYouFlow)).find((r) => r.order_id === second.id)
      return run?.status === "exited" ? run : undefined
    })
    expect(canceled.exit_reason).toBe("event:order.canceled")
  })

  it("win-back: one message, with a code, once the last order is older than the flow's mark", async () => {
    const flowId = await activateBuiltIn("win-back", 2)
    await checkout(await createCart("wes@example.com"))
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    expect(await flows.startWinBackRuns()).toEqual([])

    await new Promise((resolve) => setTimeout(resolve, 4_000))
    const entered = await flows.startWinBackRuns()
    expect(entered).toHaveLength(1)
    expect(await flows.startWinBackRuns()).toEqual([])

    const [message] = await messagesOf(flowId, 1)
    expect(message).toMatchObject({ to: "wes@example.com", subject: "We miss you at Test Store" })
    expect(message.html).toMatch(/COMEBACK-[0-9A-F]{10}/)
  })

  it("win-back: imports the orders placed before the plugin knew them, once, and never moves a date back", async () => {
    const order = await checkout(await createCart("old@example.com"))
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    const [contact] = await eventually(async () => {
      const found = await flows.listContacts({ email: "old@example.com" })
      return found[0]?.last_order_at ? found : undefined
    })
    // As if the order had been placed before installation.
    await flows.updateContacts({ id: contact.id, last_order_at: null })
    const { data } = await api.post("/admin/flows/win-back/import-orders", {}, admin())
    expect(data.orders).toBeGreaterThanOrEqual(1)
    expect(data.people).toBeGreaterThanOrEqual(1)
    const imported = await flows.retrieveContact(contact.id)
    expect(imported.last_order_at).toEqual(new Date(order.created_at))

    // A later order recorded live is not moved back by importing again.
    const later = new Date(Date.now() + 60_000)
    await flows.updateContacts({ id: contact.id, last_order_at: later })
    await api.post("/admin/flows/win-back/import-orders", {}, admin())
    expect((await flows.retrieveContact(contact.id)).last_order_at).toEqual(later)
  })
})

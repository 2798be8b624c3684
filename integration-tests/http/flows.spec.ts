import http from "node:http"
import { createCollectionsWorkflow } from "@medusajs/core-flows"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { signLinkToken } from "../../src/modules/flows/links/signed-links"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

const abandonedCartDefinition = (waitSeconds: number) => ({
  trigger: {
    event: "cart.updated",
    filters: {
      all: [
        { field: "cart.email", op: "exists" },
        { field: "cart.item_count", op: "gt", value: 0 },
        { field: "cart.completed_at", op: "not_exists" },
      ],
    },
  },
  exit: { events: [{ event: "order.placed" }] },
  steps: [
    { id: "wait-idle", type: "wait", duration: { amount: waitSeconds, unit: "seconds" } },
    {
      id: "reminder",
      type: "send_email",
      template: {
        subject: "{{ customer.first_name | default: 'Hi' }}, you left {{ cart.item_count }} item(s) behind",
        html: '<ul>{% for item in cart.items %}<li>{{ item.title }} × {{ item.quantity }} {{ item.total }}</li>{% endfor %}</ul><a href="{{ links.recovery }}">Back to your cart</a> <a href="{{ links.unsubscribe }}">Unsubscribe</a>',
      },
    },
  ],
})

// This store lets the storefront form alone grant SMS consent, as stores without double opt-in do.
beforeAll(() => {
  process.env.FLOWS_TEST_OPTIONS = JSON.stringify({ smsDoubleOptIn: false })
})
afterAll(() => {
  delete process.env.FLOWS_TEST_OPTIONS
})

storeTestRunner(({ api, getContainer, store }) => {
  async function createActiveFlow(definition: unknown) {
    const created = await api.post("/admin/flows", { name: "Abandoned cart", definition }, store.adminHeaders)
    expect(created.status).toBe(201)
    const activated = await api.post(`/admin/flows/${created.data.flow.id}/activate`, {}, store.adminHeaders)
    expect(activated.data.flow.status).toBe("active")
    return created.data.flow.id as string
  }

  async function createCart(email: string) {
    const { data } = await api.post(
      "/store/carts",
      { region_id: store.regionId, email, items: [{ variant_id: store.variantId, quantity: 2 }] },
      store.storeHeaders
    )
    return data.cart.id as string
  }

  async function listMessages(flowId: string) {
    const { data } = await api.get(`/admin/flows/messages?flow_id=${flowId}`, store.adminHeaders)
    return data.messages as any[]
  }

  async function runsOf(flowId: string) {
    const { data } = await api.get(`/admin/flows/runs?flow_id=${flowId}`, store.adminHeaders)
    return data.runs as any[]
  }

  it("grants SMS consent from the storefront form alone when smsDoubleOptIn is off, and texts no confirmation", async () => {
    const { data } = await api.post(
      "/store/flows/consent",
      { phone: "+14155550188", channels: ["sms"], source: "checkout", text: "Text me" },
      store.storeHeaders
    )
    expect(data).toMatchObject({ channels: ["sms"], awaiting_confirmation: [] })
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    expect(await flows.smsConsentOf("+14155550188")).toBe("granted")
    expect(await flows.listMessages({ contact_id: data.contact_id })).toEqual([])
  })

  it("sends the reminder to the sandbox outbox once the flow's wait is over", async () => {
    const flowId = await createActiveFlow(abandonedCartDefinition(2))
    const cartId = await createCart("shopper@example.com")

    const [run] = await eventually(async () => ((await runsOf(flowId)).length ? runsOf(flowId) : undefined))
    expect(run).toMatchObject({ subject_type: "cart", subject_id: cartId, email: "shopper@example.com" })

    // The row is written as "sending" before the provider is called; wait for the send's outcome.
    const [message] = await eventually(async () => {
      const messages = await listMessages(flowId)
      return messages.length && messages[0].status !== "sending" ? messages : undefined
    })
    expect(message).toMatchObject({
      channel: "email",
      provider: "sandbox",
      status: "delivered",
      to: "shopper@example.com",
      idempotency_key: `${flowId}:${run.id}:reminder`,
      subject: "Hi, you left 2 item(s) behind",
    })
    // Not before the 2 s wait is over (the run's row is stamped by Postgres a moment after the wait starts).
    expect(Date.parse(message.created_at) - Date.parse(run.created_at)).toBeGreaterThanOrEqual(1900)
    expect(message.html).toContain(`${store.productTitle} × 2 $50.00`)
    expect(message.html).toContain("http://localhost:9000/flows/recover?token=")
    expect(message.text).toContain("Back to your cart")

    // The links in the message work, and only untampered.
    const link = (name: string) =>
      new URL(message.html.match(new RegExp(`(http://localhost:9000/flows/${name}\\?token=[^"]+)`))[1].replace(/&amp;/g, "&"))
    const noRedirect = { maxRedirects: 0, validateStatus: () => true }
    const recover = await api.get(link("recover").pathname + link("recover").search, noRedirect)
    expect(recover.status).toBe(302)
    expect(recover.headers.location).toBe(`http://storefront.test/cart?cart_id=${cartId}`)
    const tampered = await api.get(`/flows/recover?token=${link("recover").searchParams.get("token")!.slice(0, -2)}xx`, noRedirect)
    expect(tampered.status).toBe(400)
    expect(tampered.data).toContain("This link does not work")

    const unsubscribe = link("unsubscribe").pathname + link("unsubscribe").search
    const form = { ...noRedirect, headers: { "content-type": "application/x-www-form-urlencoded" } }
    const flowsModule: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    const contactOf = async () => flowsModule.retrieveContact((await runsOf(flowId))[0].contact_id)
    const page = await api.get(unsubscribe, noRedirect)
    expect(page.status).toBe(200)
    expect(page.data).toContain('<button type="submit" name="choice" value="flow">Stop “Abandoned cart” emails</button>')
    expect(page.data).toContain('value="all"')
    expect(await contactOf()).toMatchObject({ email_consent: "unknown" })

    // Only this flow: the others may still write.
    expect((await api.post(unsubscribe, "choice=flow", form)).data).toContain("will not get “Abandoned cart” emails")
    expect(await contactOf()).toMatchObject({ email_consent: "unknown", unsubscribed_flows: [flowId] })
    // RFC 8058 one-click from the mail client: everything, and an empty 200.
    const oneClick = await api.post(unsubscribe, "List-Unsubscribe=One-Click", form)
    expect([oneClick.status, oneClick.data]).toEqual([200, ""])
    expect(await contactOf()).toMatchObject({ email_consent: "unsubscribed" })
    expect((await api.get(unsubscribe, noRedirect)).data).toContain('value="resubscribe"')
    await api.post(unsubscribe, "choice=resubscribe", form)
    expect(await contactOf()).toMatchObject({ email_consent: "granted", unsubscribed_flows: [] })

    const [finished] = await eventually(async () => {
      const runs = await runsOf(flowId)
      return runs[0]?.status === "completed" ? runs : undefined
    })
    expect(finished.ended_at).toBeTruthy()
  })

  it("gives a unique, single-use discount code that applies to a cart", async () => {
    const definition = abandonedCartDefinition(1)
    definition.steps[1] = {
      id: "reminder",
      type: "send_email",
      discount: true,
      template: { subject: "{{ discount.value }} off", html: "<p>Use {{ discount.code }} before {{ discount.expires_at }}</p>" },
    } as any
    const flowId = await createActiveFlow(definition)
    await createCart("code1@example.com")
    await createCart("code2@example.com")
    const messages = await eventually(async () => {
      const found = await listMessages(flowId)
      return found.length === 2 ? found : undefined
    })
    const codes = messages.map((m) => m.html.match(/Use (COMEBACK-[0-9A-F]{10}) before/)[1])
    expect(new Set(codes).size).toBe(2)
    expect(messages[0].subject).toBe("10% off")

    const cartId = await createCart("someone@example.com")
    const applied = await api.post(`/store/carts/${cartId}/promotions`, { promo_codes: [codes[0]] }, store.storeHeaders)
    expect(applied.data.cart.promotions.map((p: any) => p.code)).toEqual([codes[0]])
    expect(applied.data.cart.discount_total).toBe(5)

    const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
    const {
      data: [promotion],
    } = await query.graph({ entity: "promotion", fields: ["limit", "campaign.ends_at"], filters: { code: codes[0] } })
    expect(promotion.limit).toBe(1)
    const daysLeft = (new Date(promotion.campaign.ends_at).getTime() - Date.now()) / 86_400_000
    expect(daysLeft).toBeGreaterThan(6.9)
    expect(daysLeft).toBeLessThanOrEqual(7)
  })

  it("suggests related products the customer has not bought, after an order", async () => {
    const container = getContainer()
    const {
      result: [collection],
    } = await createCollectionsWorkflow(container).run({ input: { collections: [{ title: "Kitchen", handle: "kitchen" }] } })
    const productModule = container.resolve(Modules.PRODUCT)
    const [tote] = await productModule.listProducts({ title: store.productTitle })
    await productModule.updateProducts(tote.id, { collection_id: collection.id })
    await productModule.createProducts([
      { title: "Enamel Mug", handle: "enamel-mug", status: "published", collection_id: collection.id },
      { title: "Draft Jug", handle: "draft-jug", status: "draft", collection_id: collection.id },
      { title: "Garden Hose", handle: "garden-hose", status: "published" },
    ])
    const flowId = await createActiveFlow({
      trigger: { event: "order.placed" },
      steps: [
        {
          id: "cross-sell",
          type: "send_email",
          template: {
            subject: "For you",
            html: "{% for p in recommendations %}[{{ p.title }}|{{ p.url }}]{% endfor %}",
          },
        },
      ],
    })
    const cartId = await createCart("buyer2@example.com")
    const { data: collectionData } = await api.post("/store/payment-collections", { cart_id: cartId }, store.storeHeaders)
    await api.post(
      `/store/payment-collections/${collectionData.payment_collection.id}/payment-sessions`,
      { provider_id: "pp_system_default" },
      store.storeHeaders
    )
    await api.post(`/store/carts/${cartId}/complete`, {}, store.storeHeaders)
    const [message] = await eventually(async () => {
      const found = await listMessages(flowId)
      return found.length ? found : undefined
    })
    expect(message.html).toBe("[Enamel Mug|http://storefront.test/products/enamel-mug]")
  })

  it("ends the run without sending when the cart is completed during the wait", async () => {
    const flowId = await createActiveFlow(abandonedCartDefinition(4))
    const cartId = await createCart("buyer@example.com")
    await eventually(async () => ((await runsOf(flowId)).length ? true : undefined))

    const { data: collection } = await api.post("/store/payment-collections", { cart_id: cartId }, store.storeHeaders)
    await api.post(
      `/store/payment-collections/${collection.payment_collection.id}/payment-sessions`,
      { provider_id: "pp_system_default" },
      store.storeHeaders
    )
    const completed = await api.post(`/store/carts/${cartId}/complete`, {}, store.storeHeaders)
    expect(completed.data.type).toBe("order")

    const [run] = await eventually(async () => {
      const runs = await runsOf(flowId)
      return runs[0]?.status === "exited" ? runs : undefined
    })
    expect(run.exit_reason).toBe("event:order.placed")

    // Well past the wait: the scheduler has had time to act and must not have sent anything.
    await new Promise((resolve) => setTimeout(resolve, 6_000))
    expect(await listMessages(flowId)).toHaveLength(0)
  })

  it("ends a deleted customer's active runs: by the flow's exit rule where it has one, and in every other flow too", async () => {
    const welcome = (exit?: unknown) => ({
      trigger: { event: "customer.created" },
      ...(exit ? { exit } : {}),
      steps: [
        { id: "wait-1d", type: "wait", duration: { amount: 1, unit: "days" } },
        { id: "hello", type: "send_email", template: { subject: "Hello", html: '<a href="{{ links.unsubscribe }}">Unsubscribe</a>' } },
      ],
    })
    const withExitRule = await createActiveFlow(welcome({ events: [{ event: "customer.deleted" }] }))
    const withoutExitRule = await createActiveFlow(welcome())
    const createCustomer = async (email: string) =>
      (await api.post("/admin/customers", { email, first_name: "Ada" }, store.adminHeaders)).data.customer.id as string
    const leaving = await createCustomer("leaving@example.com")
    const staying = await createCustomer("staying@example.com")
    const runsByCustomer = async (flowId: string) => {
      const runs = await runsOf(flowId)
      return runs.length === 2 ? Object.fromEntries(runs.map((run) => [run.customer_id, run])) : undefined
    }
    await eventually(() => runsByCustomer(withExitRule))
    await eventually(() => runsByCustomer(withoutExitRule))

    expect((await api.delete(`/admin/customers/${leaving}`, store.adminHeaders)).status).toBe(200)

    const ended = (flowId: string) =>
      eventually(async () => {
        const runs = await runsByCustomer(flowId)
        return runs?.[leaving].status === "exited" ? runs : undefined
      })
    const byRule = await ended(withExitRule)
    expect(byRule[leaving].exit_reason).toBe("event:customer.deleted")
    expect(byRule[staying].status).toBe("active")
    const regardless = await ended(withoutExitRule)
    expect(regardless[leaving].exit_reason).toBe("customer_deleted")
    expect(regardless[staying].status).toBe("active")
  })

  it("posts the unsubscribe page's form to the backendUrl, whatever the request line and Host say", async () => {
    const consent = { email: "crafted@example.com", channels: ["email"], source: "footer", text: "News, please" }
    const { data } = await api.post("/store/flows/consent", consent, store.storeHeaders)
    const token = signLinkToken("test-secret-that-is-at-least-32-characters", "unsubscribe", data.contact_id)
    const { port } = new URL(api.defaults.baseURL)
    // An absolute-form request target and a foreign Host, as a proxy or an attacker's link could send them.
    const page = await new Promise<string>((resolve, reject) => {
      const request = http.request(
        {
          host: "127.0.0.1",
          port,
          path: `http://evil.example/flows/unsubscribe?token=${token}&next=//evil.example`,
          headers: { host: "evil.example" },
        },
        (response) => {
          let body = ""
          response.on("data", (chunk) => (body += chunk)).on("end", () => resolve(body))
        }
      )
      request.on("error", reject).end()
    })
    expect(page).toContain(`<form method="post" action="http://localhost:9000/flows/unsubscribe?token=${token}">`)
    expect(page).not.toContain("evil.example")
  })
})

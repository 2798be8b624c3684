import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { attempt, eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

/** Texts a cart's phone two seconds after the cart is created. */
const textTheCart = {
  trigger: { event: "cart.updated", filters: { all: [{ field: "cart.email", op: "exists" }] } },
  steps: [
    { id: "pause", type: "wait", duration: { amount: 2, unit: "seconds" } },
    { id: "text", type: "send_sms", template: { body: "Your cart at {{ store.name }} is waiting" } },
  ],
}

const signUp = (fields: Record<string, unknown>) => ({
  channels: ["sms"],
  source: "footer",
  text: "Text me offers. Reply STOP to opt out.",
  ...fields,
})

storeTestRunner(({ api, getContainer, store }) => {
  let flows: FlowsModuleService

  beforeEach(() => {
    flows = getContainer().resolve(FLOWS_MODULE)
  })

  const reply = (from: string, body: string) => api.post("/admin/flows/sandbox/replies", { from, body }, store.adminHeaders)

  async function confirmedNumber(email: string, phone: string) {
    await api.post("/store/flows/consent", signUp({ email, phone }), store.storeHeaders)
    await reply(phone, "YES")
    expect(await flows.smsConsentOf(phone)).toBe("granted")
  }

  async function textFlow() {
    const { data } = await api.post("/admin/flows", { name: "Text the cart", definition: textTheCart }, store.adminHeaders)
    await api.post(`/admin/flows/${data.flow.id}/activate`, {}, store.adminHeaders)
    return data.flow.id as string
  }

  async function cartWith(email: string, phone: string) {
    await api.post(
      "/store/carts",
      {
        region_id: store.regionId,
        email,
        items: [{ variant_id: store.variantId, quantity: 1 }],
        shipping_address: { first_name: "Guest", phone, country_code: "us" },
      },
      store.storeHeaders
    )
  }

  async function textsOf(flowId: string, count: number) {
    return await eventually(async () => {
      const messages = await flows.listMessages({ flow_id: flowId }, { order: { to: "ASC" } })
      // A row is written as "sending" before the provider is called: wait for each send's outcome.
      return messages.length >= count && messages.every((m) => m.status !== "sending") ? messages : undefined
    })
  }

  it("asks a second number of the same email to confirm, and keeps the contact's phone, name and time zone", async () => {
    const email = "two-phones@example.com"
    await api.post(
      "/store/flows/consent",
      signUp({ email, phone: "+14155550101", first_name: "Ann", timezone: "America/New_York" }),
      store.storeHeaders
    )
    await reply("+14155550101", "YES")

    const second = await api.post(
      "/store/flows/consent",
      signUp({ email, phone: "+14155550102", first_name: "Mallory", timezone: "Asia/Tokyo" }),
      store.storeHeaders
    )
    expect(second.data).toMatchObject({ channels: [], awaiting_confirmation: ["sms"] })
    expect(await flows.smsConsentOf("+14155550101")).toBe("granted")
    expect(await flows.smsConsentOf("+14155550102")).toBe("pending")
    const [contact] = await flows.listContacts({ email })
    expect(contact).toMatchObject({ phone: "+14155550101", first_name: "Ann", timezone: "America/New_York" })
    const confirmations = await flows.listMessages({ step_id: "sms-confirmation" }, { order: { to: "ASC" } })
    expect(confirmations.map((m) => m.to)).toEqual(["+14155550101", "+14155550102"])

    // The same number again is granted at once: it confirmed already.
    const again = await api.post("/store/flows/consent", signUp({ email, phone: "+14155550101" }), store.storeHeaders)
    expect(again.data).toMatchObject({ channels: ["sms"], awaiting_confirmation: [] })
  })

  it("texts a guest cart only at a number that itself consented, not at any number beside a consented email", async () => {
    await confirmedNumber("guest@example.com", "+14155550111")
    const flowId = await textFlow()
    await cartWith("guest@example.com", "+14155550199")
    await cartWith("guest@example.com", "+14155550111")
    const texts = await textsOf(flowId, 2)
    expect(texts.map((m) => [m.to, m.status, m.error])).toEqual([
      ["+14155550111", "delivered", null],
      ["+14155550199", "skipped", "no SMS consent for this number"],
    ])
  })

  it("ends consent for every contact of a number that replies STOP, and texts it no more", async () => {
    await confirmedNumber("first@example.com", "+14155550121")
    await api.post("/store/flows/consent", signUp({ email: "second@example.com", phone: "+14155550121" }), store.storeHeaders)
    const stop = await reply("+14155550121", "STOP")
    expect(stop.data).toEqual({ keyword: "stop" })
    expect(await flows.smsConsentOf("+14155550121")).toBe("unsubscribed")
    for (const email of ["first@example.com", "second@example.com"]) {
      const [contact] = await flows.listContacts({ email })
      expect(await flows.listContactEvents({ contact_id: contact.id, type: "sms.opted_out" })).toHaveLength(1)
    }

    const flowId = await textFlow()
    await cartWith("first@example.com", "+14155550121")
    await cartWith("second@example.com", "+14155550121")
    const texts = await textsOf(flowId, 2)
    expect(texts.map((m) => [m.status, m.error])).toEqual([
      ["skipped", "unsubscribed from sms"],
      ["skipped", "unsubscribed from sms"],
    ])
    // A form cannot undo a STOP: only the number texting START can.
    const form = await api.post("/store/flows/consent", signUp({ email: "first@example.com", phone: "+14155550121" }), store.storeHeaders)
    expect(form.data).toMatchObject({ channels: [], awaiting_confirmation: ["sms"] })
    expect(await flows.smsConsentOf("+14155550121")).toBe("unsubscribed")
    expect(await flows.listMessages({ to: "+14155550121", step_id: "sms-confirmation" })).toHaveLength(1)
  })

  it("creates no discount code and no short link for a text that will not go", async () => {
    const definition = {
      ...textTheCart,
      steps: [
        textTheCart.steps[0],
        { id: "text", type: "send_sms", discount: true, template: { body: "{{ discount.code }} {{ links.recovery }}" } },
      ],
    }
    const { data } = await api.post("/admin/flows", { name: "Code by text", definition }, store.adminHeaders)
    await api.post(`/admin/flows/${data.flow.id}/activate`, {}, store.adminHeaders)
    await cartWith("no-texts@example.com", "+14155550161")
    const [text] = await textsOf(data.flow.id, 1)
    expect([text.status, text.error, text.text]).toEqual(["skipped", "no SMS consent for this number", null])
    const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
    const { data: promotions } = await query.graph({ entity: "promotion", fields: ["code"] })
    expect(promotions).toEqual([])
    expect(await flows.listShortLinks()).toEqual([])
  })

  it("texts one confirmation a day to a number, however many emails sign it up", async () => {
    for (let i = 0; i < 6; i++) {
      const signup = await api.post(
        "/store/flows/consent",
        signUp({ email: `flood${i}@example.com`, phone: "+14155550131" }),
        store.storeHeaders
      )
      expect(signup.data.awaiting_confirmation).toEqual(["sms"])
    }
    expect(await flows.listMessages({ to: "+14155550131" })).toHaveLength(1)
  })

  it("lets exactly the limit of parallel sign-ups through, and ignores a forged X-Forwarded-For", async () => {
    const requests = Array.from({ length: 40 }, (_, i) =>
      attempt(
        api.post(
          "/store/flows/consent",
          { ...signUp({ email: `burst${i}@example.com` }), channels: ["email"] },
          {
            headers: { ...store.storeHeaders.headers, "x-forwarded-for": `203.0.113.${i}` },
          }
        )
      )
    )
    const statuses = (await Promise.all(requests)).map((response) => response.status)
    expect(statuses.filter((status) => status === 201)).toHaveLength(10)
    expect(statuses.filter((status) => status === 429)).toHaveLength(30)
  })

  it("asks an unsubscribed address to confirm by email before a form subscribes it again", async () => {
    const email = "came-back@example.com"
    const first = await api.post("/store/flows/consent", { ...signUp({ email }), channels: ["email"] }, store.storeHeaders)
    await flows.unsubscribeEmail(first.data.contact_id, null)

    const again = await api.post("/store/flows/consent", { ...signUp({ email }), channels: ["email"] }, store.storeHeaders)
    expect(again.data).toMatchObject({ channels: [], awaiting_confirmation: ["email"] })
    expect((await flows.retrieveContact(first.data.contact_id)).email_consent).toBe("unsubscribed")
    await api.post("/store/flows/consent", { ...signUp({ email }), channels: ["email"] }, store.storeHeaders)
    const confirmations = await flows.listMessages({ to: email, step_id: "email-confirmation" })
    expect(confirmations).toHaveLength(1)
    const link = /href="(http:\/\/localhost:9000\/flows\/confirm-email\?token=[^"]+)"/.exec(confirmations[0].html!)![1]
    const path = link.replace("http://localhost:9000", "").replace(/&amp;/g, "&")

    // Opening the link (or a mail scanner doing it) only asks.
    const page = await api.get(path)
    expect(page.data).toContain("Yes, send me emails")
    expect((await flows.retrieveContact(first.data.contact_id)).email_consent).toBe("unsubscribed")
    const confirmed = await api.post(path, "choice=confirm", { headers: { "content-type": "application/x-www-form-urlencoded" } })
    expect(confirmed.data).toContain("You are subscribed again")
    expect((await flows.retrieveContact(first.data.contact_id)).email_consent).toBe("granted")
    const evidence = await flows.listConsentEvidences({ contact_id: first.data.contact_id, source: "email_confirmation" })
    expect(evidence.map((e) => [e.channel, e.state, e.recipient])).toEqual([["email", "granted", email]])

    const forged = await attempt(api.get(path.replace(/token=.{8}/, "token=AAAAAAAA")))
    expect(forged.status).toBe(400)
  })
})

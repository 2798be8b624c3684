import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { runDueSteps } from "../../src/lib/scheduler/run-due-steps"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(180_000)

storeTestRunner(({ api, getContainer, store }) => {
  const admin = () => store.adminHeaders
  const shopper = () => store.storeHeaders

  async function createCart(email: string, quantity: number, address: Record<string, string>) {
    const { data } = await api.post(
      "/store/carts",
      {
        region_id: store.regionId,
        email,
        items: [{ variant_id: store.variantId, quantity }],
        shipping_address: { first_name: "Noa", last_name: "Shopper", address_1: "5 Elm St", postal_code: "10001", ...address },
      },
      shopper()
    )
    return data.cart.id as string
  }

  it("abandoned cart: two carts of one shopper make one series, about the newest cart, each step sent once", async () => {
    const container = getContainer()
    await container.resolve<FlowsModuleService>(FLOWS_MODULE).seedBuiltInFlows()
    const { data } = await api.get("/admin/flows?limit=50", admin())
    const flow = data.flows.find((f: any) => f.handle === "abandoned-cart")
    expect(flow.definition.reentry).toMatchObject({ scope: "person" })
    await api.post(`/admin/flows/${flow.id}/activate`, {}, admin())
    const runsOf = async () => (await api.get(`/admin/flows/runs?flow_id=${flow.id}`, admin())).data.runs as any[]

    // A cart on her laptop, then another on her phone, with more in it. Medusa's own cart events bring them in.
    const laptop = await createCart("noa@example.com", 1, { city: "New York", province: "NY", country_code: "us" })
    const [first] = await eventually(async () => ((await runsOf()).length ? await runsOf() : undefined))
    expect(first.cart_id).toBe(laptop)
    const phone = await createCart("NOA@example.com", 3, { city: "New York", province: "NY", country_code: "us" })
    const [run] = await eventually(async () => {
      const runs = await runsOf()
      return runs[0]?.cart_id === phone ? runs : undefined
    })
    expect(run).toMatchObject({ id: first.id, subject_type: "contact" })
    expect(await runsOf()).toHaveLength(1)

    // The injectable clock: an hour on, then a day, then three days, the scheduler does what it would do then.
    const later = (hours: number) => new Date(new Date(first.created_at).getTime() + hours * 3_600_000 + 60_000)
    for (const hours of [1, 24, 72]) {
      await runDueSteps(container, later(hours))
    }
    // Run again at the end: nothing is due twice.
    await runDueSteps(container, later(80))

    const { data: sent } = await api.get(`/admin/flows/messages?flow_id=${flow.id}&limit=50`, admin())
    const messages = sent.messages as any[]
    // One reminder, one (skipped, no consent) text and one discount code: not two of each.
    expect(messages.map((m) => m.idempotency_key.split(":").pop()).sort()).toEqual(["last-call-email", "reminder-email", "reminder-sms"])
    const reminder = messages.find((m) => m.idempotency_key.endsWith(":reminder-email"))
    expect(reminder).toMatchObject({ to: "noa@example.com" })
    // The newest cart's items and total, and a link back to it.
    expect(reminder.html).toContain("Qty 3")
    expect(reminder.html).toContain("$75.00")
    const recovery = reminder.html.match(/(http:\/\/localhost:9000\/flows\/recover\?token=[^"]+)/)[1].replace(/&amp;/g, "&")
    const url = new URL(recovery)
    const opened = await api.get(url.pathname + url.search, { maxRedirects: 0, validateStatus: () => true })
    expect([opened.status, opened.headers.location]).toEqual([302, `http://storefront.test/cart?cart_id=${phone}`])
    expect((await runsOf())[0]).toMatchObject({ status: "completed", cart_id: phone })
    const { data: byCart } = await api.get(`/admin/flows/runs?cart_id=${phone}`, admin())
    expect(byCart.runs.map((r: any) => r.id)).toEqual([first.id])

    // Her address put her in New York's zone, which times her texts' quiet hours.
    const [contact] = await container.resolve<FlowsModuleService>(FLOWS_MODULE).listContacts({ email: "noa@example.com" })
    expect(contact).toMatchObject({ timezone: null, address_timezone: "America/New_York" })
  })
})

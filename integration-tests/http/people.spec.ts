import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { attempt, eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

const abandonedCart = {
  trigger: {
    event: "cart.updated",
    filters: {
      all: [
        { field: "cart.email", op: "exists" },
        { field: "cart.item_count", op: "gt", value: 0 },
      ],
    },
  },
  steps: [
    { id: "wait", type: "wait", duration: { amount: 1, unit: "days" } },
    { id: "reminder", type: "send_email", template: { subject: "Your cart", html: '<a href="{{ links.unsubscribe }}">Unsubscribe</a>' } },
  ],
}

storeTestRunner(({ api, getContainer, store }) => {
  async function createCart(email: string) {
    const response = await api.post(
      "/store/carts",
      { region_id: store.regionId, email, items: [{ variant_id: store.variantId, quantity: 1 }] },
      store.storeHeaders
    )
    expect(response.status).toBe(200)
    return response.data.cart.id as string
  }

  const runsOf = async (flowId: string) =>
    (await api.get(`/admin/flows/runs?flow_id=${flowId}&limit=200`, store.adminHeaders)).data.runs as any[]

  it("refuses a request without a valid key with a 400, and answers 404 for a person nobody knows", async () => {
    const get = (query: string) => attempt(api.get(`/admin/flows/people/export${query}`, store.adminHeaders))
    const erase = (body: unknown) => attempt(api.post("/admin/flows/people/erase", body, store.adminHeaders))
    for (const query of ["", "?email=not-an-email", "?phone=call-me", "?name=Ann", `?customer_id=${"c".repeat(101)}`]) {
      expect({ query, status: (await get(query)).status }).toEqual({ query, status: 400 })
    }
    for (const body of [
      {},
      { email: "a@example.com", phone: "not a number" },
      { email: 42 },
      { customer_id: "" },
      { country_code: "US" },
    ]) {
      expect({ body, status: (await erase(body)).status }).toEqual({ body, status: 400 })
    }
    expect((await get("?email=nobody@example.com")).status).toBe(404)
    expect((await get("?phone=%2B14155550100")).status).toBe(404)
    const unknown = await erase({ customer_id: "cus_nobody" })
    expect(unknown.status).toBe(404)
    expect(unknown.data.message).toBe("Nothing is known about this person")
    expect((await attempt(api.get("/admin/flows/people/export?email=a@example.com"))).status).toBe(401)
  })

  it("exports a shopper's data, erases it, and starts nothing for their next cart while the store sells on", async () => {
    const created = await api.post("/admin/flows", { name: "Abandoned cart", definition: abandonedCart }, store.adminHeaders)
    const flowId = created.data.flow.id as string
    await api.post(`/admin/flows/${flowId}/activate`, {}, store.adminHeaders)
    const email = "erase.me@example.com"
    const cartId = await createCart(email)
    const [run] = await eventually(async () => ((await runsOf(flowId)).length ? runsOf(flowId) : undefined))
    expect(run).toMatchObject({ cart_id: cartId, email, status: "active" })

    const exported = await api.get(`/admin/flows/people/export?email=${encodeURIComponent(email.toUpperCase())}`, store.adminHeaders)
    expect(exported.status).toBe(200)
    expect(exported.headers["content-disposition"]).toMatch(/^attachment; filename="marketing-data-\d{4}-\d{2}-\d{2}\.json"$/)
    expect(exported.data).toMatchObject({
      looked_up_by: "email",
      contacts: [expect.objectContaining({ email })],
      runs: [expect.objectContaining({ id: run.id, cart_id: cartId })],
      suppressed: [],
    })

    const erased = await api.post("/admin/flows/people/erase", { email }, store.adminHeaders)
    expect(erased.status).toBe(200)
    expect(erased.data.erasure).toMatchObject({
      actor_id: expect.stringMatching(/^user_/),
      looked_up_by: "email",
      counts: expect.objectContaining({ contacts_deleted: 1, runs_ended: 1, suppressed: 1 }),
    })
    expect(JSON.stringify(erased.data)).not.toContain("erase.me")
    const [ended] = await runsOf(flowId)
    expect(ended).toMatchObject({ id: run.id, status: "exited", exit_reason: "erased", email: null, cart_id: null })
    expect((await attempt(api.get(`/admin/flows/people/export?email=${email}`, store.adminHeaders))).status).toBe(404)
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    expect(await flows.isSuppressed("email", email)).toBe(true)

    // The erased shopper comes back: the store still sells to them, the plugin records nothing and starts no run.
    const nextCart = await createCart(email)
    // A shopper after them, whose run shows the event queue has reached past the erased shopper's cart.
    const otherCart = await createCart("someone.else@example.com")
    await eventually(async () => ((await runsOf(flowId)).some((r) => r.cart_id === otherCart) ? true : undefined))
    expect((await runsOf(flowId)).filter((r) => r.cart_id === nextCart)).toEqual([])
    expect(await flows.listContacts({ email })).toEqual([])
    expect((await attempt(api.get(`/admin/flows/people/export?email=${email}`, store.adminHeaders))).status).toBe(404)
    const cart = await api.get(`/store/carts/${nextCart}`, store.storeHeaders)
    expect(cart.data.cart).toMatchObject({ id: nextCart, email })
  })
})

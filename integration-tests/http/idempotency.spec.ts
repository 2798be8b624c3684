import { runDueSteps } from "../../src/lib/scheduler/run-due-steps"
import { recordStoreEvent } from "../../src/lib/store/store-events"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

const sendAtOnce = {
  trigger: { event: "cart.updated", filters: { all: [{ field: "cart.email", op: "exists" }] } },
  steps: [{ id: "hello", type: "send_email", template: { subject: "Hello", html: "<p>{{ cart.item_count }}</p>" } }],
}

storeTestRunner(({ api, getContainer, store }) => {
  it("sends exactly one message for an event delivered twice and steps started in parallel", async () => {
    const container = getContainer()
    const { data: created } = await api.post("/admin/flows", { name: "Once", definition: sendAtOnce }, store.adminHeaders)
    const flowId = created.flow.id
    await api.post(`/admin/flows/${flowId}/activate`, {}, store.adminHeaders)

    const { data } = await api.post(
      "/store/carts",
      { region_id: store.regionId, email: "twice@example.com", items: [{ variant_id: store.variantId, quantity: 1 }] },
      store.storeHeaders
    )
    const cartId = data.cart.id
    // The same event again, twice at once, on top of what the subscriber already recorded.
    await Promise.all([
      recordStoreEvent(container, "cart.updated", { id: cartId }),
      recordStoreEvent(container, "cart.updated", { id: cartId }),
    ])
    // Three workers at once, beside the scheduler job that is polling too.
    const ticks = await Promise.all([runDueSteps(container), runDueSteps(container), runDueSteps(container)])
    expect(ticks.every((tick) => tick.failed === 0)).toBe(true)

    const messages = await eventually(async () => {
      const { data } = await api.get(`/admin/flows/messages?flow_id=${flowId}`, store.adminHeaders)
      return data.count > 0 ? data : undefined
    })
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const { data: after } = await api.get(`/admin/flows/messages?flow_id=${flowId}`, store.adminHeaders)
    const { data: runs } = await api.get(`/admin/flows/runs?flow_id=${flowId}`, store.adminHeaders)
    expect(messages.count).toBe(1)
    expect(after.count).toBe(1)
    expect(after.messages[0]).toMatchObject({ to: "twice@example.com", status: "delivered", html: "<p>1</p>" })
    expect(runs.count).toBe(1)
    expect(runs.runs[0].status).toBe("completed")
  })
})

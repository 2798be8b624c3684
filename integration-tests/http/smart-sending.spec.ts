import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { attempt, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

const HOUR = 3_600_000

const definition = {
  trigger: { event: "customer.created" },
  steps: [
    { id: "wait", type: "wait", duration: { amount: 1, unit: "hours" } },
    { id: "hello", type: "send_email", template: { subject: "Hello", html: "<p>Hello</p>" } },
  ],
}

storeTestRunner(({ api, getContainer, store }) => {
  it("keeps a flow's priority, refuses one out of range, and ranks the built-in abandoned cart above the welcome", async () => {
    const created = await api.post("/admin/flows", { name: "Ranked", priority: 90, definition }, store.adminHeaders)
    expect(created.data.flow).toMatchObject({ priority: 90 })
    const id = created.data.flow.id
    for (const priority of [101, -1, 2.5, "high"]) {
      const refused = await attempt(api.post(`/admin/flows/${id}`, { priority }, store.adminHeaders))
      expect(refused.status).toBe(400)
      expect(refused.data.message).toMatch(/priority/)
    }
    const updated = await api.post(`/admin/flows/${id}`, { priority: 60 }, store.adminHeaders)
    expect(updated.data).toMatchObject({ new_version: false, flow: { priority: 60 } })
    const plain = await api.post("/admin/flows", { name: "Plain", definition }, store.adminHeaders)
    expect(plain.data.flow.priority).toBe(50)

    await getContainer().resolve<FlowsModuleService>(FLOWS_MODULE).seedBuiltInFlows()
    const { data } = await api.get("/admin/flows?limit=50", store.adminHeaders)
    const priorityOf = (handle: string) => data.flows.find((f: any) => f.handle === handle).priority
    expect(priorityOf("abandoned-cart")).toBeGreaterThan(priorityOf("welcome-series"))
    const postPurchase = data.flows.find((f: any) => f.handle === "post-purchase")
    expect(postPurchase.definition.steps[0]).toMatchObject({ id: "thank-you-email", exempt: true })
  })

  it("shows when each run's next message will really go, in the runs list and on the customer", async () => {
    const created = await api.post("/admin/flows", { name: "Hello", definition }, store.adminHeaders)
    const flowId = created.data.flow.id
    await api.post(`/admin/flows/${flowId}/activate`, {}, store.adminHeaders)
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    await flows.recordEvent({
      name: "customer.created",
      occurred_at: new Date(),
      subject: { type: "customer", id: "cus_soon" },
      identity: { customer_id: "cus_soon", email: "soon@example.com" },
      facts: { customer: { id: "cus_soon", email: "soon@example.com" } },
    })

    const { data } = await api.get(`/admin/flows/runs?flow_id=${flowId}&status=active`, store.adminHeaders)
    expect(data.runs).toHaveLength(1)
    const [run] = data.runs
    const due = new Date(new Date(run.step_entered_at).getTime() + HOUR).toISOString()
    expect(run.next_send).toEqual({ step_id: "hello", channel: "email", due_at: due, at: due, held_by: [] })

    const customer = await api.get("/admin/flows/customers/cus_soon", store.adminHeaders)
    expect(customer.data.runs).toEqual([expect.objectContaining({ id: run.id, next_send: run.next_send })])
  })
})

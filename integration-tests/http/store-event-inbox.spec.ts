import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { runDueSteps } from "../../src/lib/scheduler/run-due-steps"
import { processStoreEvents } from "../../src/lib/store/process-store-events"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

// The scheduler job is off in this store: each test records the inbox itself, so it sees every step.
beforeAll(() => {
  process.env.FLOWS_TEST_OPTIONS = JSON.stringify({ scheduler: { pollIntervalMs: 1000, batchSize: 20, leaseMs: 30_000, enabled: false } })
})
afterAll(() => {
  delete process.env.FLOWS_TEST_OPTIONS
})

const HOUR = 3_600_000

const abandonedCart = {
  trigger: {
    event: "cart.updated",
    filters: {
      all: [
        { field: "cart.email", op: "exists" },
        { field: "cart.completed_at", op: "not_exists" },
      ],
    },
  },
  exit: { events: [{ event: "order.placed" }] },
  steps: [
    { id: "wait-idle", type: "wait", duration: { amount: 1, unit: "hours" } },
    { id: "reminder", type: "send_email", template: { subject: "Still there?", html: "<p>{{ cart.item_count }}</p>" } },
  ],
}

storeTestRunner(({ api, getContainer, store }) => {
  const inbox = async (): Promise<Record<string, any>[]> => {
    const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
    return (await pg.raw("SELECT name, subject_key, attempts, last_error, available_at FROM flows_store_event_inbox ORDER BY seq")).rows
  }
  const inboxHolds = (count: number) => eventually(async () => ((await inbox()).length >= count ? inbox() : undefined))

  async function activeFlow() {
    const { data } = await api.post("/admin/flows", { name: "Abandoned cart", definition: abandonedCart }, store.adminHeaders)
    await api.post(`/admin/flows/${data.flow.id}/activate`, {}, store.adminHeaders)
    return data.flow.id as string
  }
  const runsOf = async (flowId: string) => (await api.get(`/admin/flows/runs?flow_id=${flowId}`, store.adminHeaders)).data.runs as any[]

  async function cartWithEmail(email: string) {
    const { data } = await api.post("/store/carts", { region_id: store.regionId, email }, store.storeHeaders)
    const cartId = data.cart.id as string
    await api.post(`/store/carts/${cartId}/line-items`, { variant_id: store.variantId, quantity: 1 }, store.storeHeaders)
    await api.post(`/store/carts/${cartId}/line-items`, { variant_id: store.variantId, quantity: 1 }, store.storeHeaders)
    return cartId
  }

  it("writes store events to the inbox only, and records a batch of them once, repeats collapsed", async () => {
    const flowId = await activeFlow()
    const cartId = await cartWithEmail("inbox@example.com")
    const waiting = await inboxHolds(3)
    expect(waiting.map((row) => row.subject_key)).toEqual(waiting.map(() => `cart:${cartId}`))
    expect(waiting[0].name).toBe("cart.created")
    expect(await runsOf(flowId)).toHaveLength(0)

    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    const recordEvent = jest.spyOn(flows, "recordEvent")
    const result = await processStoreEvents(getContainer())
    // cart.created, then every cart.updated after it as one piece of work.
    expect(recordEvent.mock.calls.map(([event]) => event.name)).toEqual(["cart.created", "cart.updated"])
    recordEvent.mockRestore()
    expect(result).toEqual({ claimed: waiting.length, recorded: waiting.length, failed: 0 })
    expect(await inbox()).toEqual([])
    const runs = await runsOf(flowId)
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ status: "active", cart_id: cartId })
  })

  it("stores the events that arrive together in one INSERT, in their order, and a bad one fails alone", async () => {
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    const inserts = jest.spyOn(flows, "enqueueStoreEvents")
    const events = Array.from({ length: 30 }, (_, i) => ({ name: "cart.updated", data: { id: `cart_${i}` }, subject_key: `grouped:${i}` }))
    try {
      await Promise.all(events.map((event) => flows.enqueueStoreEvent(event)))
      expect(inserts).toHaveBeenCalledTimes(1)

      inserts.mockClear()
      const bad = { name: "cart.updated", data: {}, subject_key: null as unknown as string }
      const outcomes = await Promise.allSettled(
        [events[0], bad, events[1]].map((event) => flows.enqueueStoreEvent({ ...event, name: "cart.created" }))
      )
      expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "fulfilled"])
      // The group, then each of its events alone.
      expect(inserts.mock.calls.map(([group]) => group.length)).toEqual([3, 1, 1, 1])
    } finally {
      inserts.mockRestore()
    }
    const stored = (await inbox()).filter((row) => row.subject_key.startsWith("grouped:"))
    expect(stored.map((row) => `${row.name} ${row.subject_key}`)).toEqual([
      ...events.map((event) => `cart.updated ${event.subject_key}`),
      "cart.created grouped:0",
      "cart.created grouped:1",
    ])
  })

  it("reads the carts of a batch of events in one query, whatever the number of events", async () => {
    const flowId = await activeFlow()
    const carts = [await cartWithEmail("one@example.com"), await cartWithEmail("two@example.com"), await cartWithEmail("three@example.com")]
    await inboxHolds(9)

    const graph = jest.spyOn(getContainer().resolve(ContainerRegistrationKeys.QUERY), "graph")
    try {
      expect(await processStoreEvents(getContainer())).toEqual({ claimed: 9, recorded: 9, failed: 0 })
      const cartReads = graph.mock.calls.filter(([options]) => options.entity === "cart")
      expect(cartReads).toHaveLength(1)
      expect([...(cartReads[0][0].filters as { id: string[] }).id].sort()).toEqual([...carts].sort())
    } finally {
      graph.mockRestore()
    }
    const runs = await runsOf(flowId)
    expect(runs.map((run) => run.cart_id).sort()).toEqual([...carts].sort())
  })

  it("loads each event's cart on its own when reading the batch's carts at once fails", async () => {
    const flowId = await activeFlow()
    const carts = [await cartWithEmail("four@example.com"), await cartWithEmail("five@example.com")]
    await inboxHolds(6)

    const graph = jest.spyOn(getContainer().resolve(ContainerRegistrationKeys.QUERY), "graph")
    graph.mockRejectedValueOnce(new Error("connection reset"))
    try {
      expect(await processStoreEvents(getContainer())).toEqual({ claimed: 6, recorded: 6, failed: 0 })
      // The failed batch read, then one read for each piece of work: two carts, each created and then updated.
      expect(graph.mock.calls.filter(([options]) => options.entity === "cart")).toHaveLength(1 + 4)
    } finally {
      graph.mockRestore()
    }
    expect((await runsOf(flowId)).map((run) => run.cart_id).sort()).toEqual([...carts].sort())
  })

  it("ends the runs an order ends before the scheduler claims them, though they are due", async () => {
    const flowId = await activeFlow()
    const cartId = await cartWithEmail("buyer@example.com")
    await inboxHolds(3)
    await processStoreEvents(getContainer())
    expect(await runsOf(flowId)).toHaveLength(1)

    const { data: collection } = await api.post("/store/payment-collections", { cart_id: cartId }, store.storeHeaders)
    await api.post(
      `/store/payment-collections/${collection.payment_collection.id}/payment-sessions`,
      { provider_id: "pp_system_default" },
      store.storeHeaders
    )
    const completed = await api.post(`/store/carts/${cartId}/complete`, {}, store.storeHeaders)
    expect(completed.data.type).toBe("order")
    await eventually(async () => ((await inbox()).some((row) => row.name === "order.placed") ? true : undefined))

    // Two hours on, the run's wait is over: the tick records the order first, so nothing is sent.
    await runDueSteps(getContainer(), new Date(Date.now() + 2 * HOUR))
    const [run] = await runsOf(flowId)
    expect(run).toMatchObject({ status: "exited", exit_reason: "event:order.placed" })
    const { data } = await api.get(`/admin/flows/messages?flow_id=${flowId}`, store.adminHeaders)
    expect(data.count).toBe(0)
  })

  it("keeps an event that fails with its error, holds its subject's later events behind it, and records both later", async () => {
    const flowId = await activeFlow()
    const flows: FlowsModuleService = getContainer().resolve(FLOWS_MODULE)
    const recordEvent = jest.spyOn(flows, "recordEvent").mockRejectedValueOnce(new Error("database went away"))
    const cartId = await cartWithEmail("retry@example.com")
    await inboxHolds(3)

    expect(await processStoreEvents(getContainer())).toMatchObject({ recorded: 0, failed: 1 })
    const kept = await inbox()
    expect(kept[0]).toMatchObject({ name: "cart.created", attempts: 1, last_error: "database went away" })
    expect(new Date(kept[0].available_at).getTime()).toBeGreaterThan(Date.now())
    // The later cart.updated events were not tried, and are not counted as tried.
    expect(kept.slice(1).map((row) => [row.name, row.attempts])).toEqual(kept.slice(1).map(() => ["cart.updated", 0]))
    // While the first waits for its retry, nothing about that cart is claimed.
    expect(await processStoreEvents(getContainer())).toEqual({ claimed: 0, recorded: 0, failed: 0 })

    const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
    // A second back: the claim compares with the clock in milliseconds, Postgres's now() has microseconds.
    await pg.raw("UPDATE flows_store_event_inbox SET available_at = now() - interval '1 second'")
    expect(await processStoreEvents(getContainer())).toMatchObject({ recorded: kept.length, failed: 0 })
    recordEvent.mockRestore()
    expect(await inbox()).toEqual([])
    expect((await runsOf(flowId)).map((run) => run.cart_id)).toEqual([cartId])
  })
})

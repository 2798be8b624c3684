import path from "node:path"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import type { StoreEvent } from "../../src/modules/flows/types"
import { attempt, eventually, storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(180_000)

// The job and the scheduler of the plugin's build, as the store runs them (the routes run its workflows).
const { promoteSplitWinners }: typeof import("../../src/jobs/promote-split-winners") = require(
  path.join(__dirname, "../../.medusa/server/src/jobs/promote-split-winners")
)
const { runDueSteps }: typeof import("../../src/lib/scheduler/run-due-steps") = require(
  path.join(__dirname, "../../.medusa/server/src/lib/scheduler/run-due-steps")
)

const email = (subject: string, id: string) => ({ id, type: "send_email", template: { subject, html: `<p>${subject}</p>` } })
const splitFlow = (autoPromote: boolean) => ({
  trigger: { event: "cart.updated" },
  ...(autoPromote && { auto_promote: { enabled: true, min_recipients: 15, probability: 0.95 } }),
  steps: [
    {
      id: "subject-test",
      type: "split",
      variants: [
        { key: "a", weight: 1, steps: [email("A", "email-a")] },
        { key: "b", weight: 1, steps: [email("B", "email-b")] },
      ],
    },
  ],
})

const event = (name: "cart.updated" | "order.placed", key: string, at: Date): StoreEvent => {
  const address = `${key}@example.com`
  return name === "cart.updated"
    ? {
        name,
        occurred_at: at,
        subject: { type: "cart", id: `cart_${key}` },
        identity: { cart_id: `cart_${key}`, email: address },
        facts: {},
      }
    : {
        name,
        occurred_at: at,
        subject: { type: "order", id: `order_${key}` },
        identity: { order_id: `order_${key}`, email: address },
        facts: { order: { id: `order_${key}`, total: 50, currency_code: "usd" } },
      }
}

storeTestRunner(({ api, getContainer, store }) => {
  const createActive = async (name: string, definition: unknown) => {
    const flow = (await api.post("/admin/flows", { name, definition }, store.adminHeaders)).data.flow
    await api.post(`/admin/flows/${flow.id}/activate`, {}, store.adminHeaders)
    return flow
  }

  it("shows each variant's odds of being best, and the job promotes the winner as a version made by auto-promote", async () => {
    const container = getContainer()
    const flows: FlowsModuleService = container.resolve(FLOWS_MODULE)
    const flow = await createActive("Subject test", splitFlow(true))
    const entered = new Date(Date.now() - 60_000)
    for (let i = 0; i < 60; i++) {
      await flows.recordEvent(event("cart.updated", `p${i}`, entered))
    }
    // The store's own scheduler job may hold some runs under its lease meanwhile: wait until every run is done.
    const assignments = await eventually(async () => {
      await runDueSteps(container, new Date())
      const active = await flows.listFlowRuns({ flow_id: flow.id, status: "active" })
      const found = await flows.listSplitAssignments({ flow_id: flow.id }, { take: 100 })
      return active.length === 0 && found.length === 60 ? found : undefined
    }, 60_000)
    expect(assignments).toHaveLength(60)
    const runs = await flows.listFlowRuns({ flow_id: flow.id }, { take: 100 })
    const inB = assignments.filter((a) => a.variant === "b").map((a) => runs.find((r) => r.id === a.run_id)!)
    const orderedAt = new Date(Date.now() + 1000)
    for (const run of inB.slice(0, 12)) {
      await flows.recordEvent(event("order.placed", run.email!.split("@")[0], orderedAt))
    }

    const { data } = await api.get(`/admin/flows/${flow.id}/experiments`, store.adminHeaders)
    const [split] = data.splits
    expect(split.split_id).toBe("subject-test")
    expect(split.variants.find((v: any) => v.key === "b")).toMatchObject({ recipients: inB.length, converted: 12 })
    expect(split.variants.find((v: any) => v.key === "b").probability_best).toBeGreaterThan(0.99)
    expect(split.variants.find((v: any) => v.key === "b").revenue).toEqual([
      expect.objectContaining({ currency_code: "usd", total: 600, per_recipient: 600 / inB.length }),
    ])
    expect(data.holdout).toBeNull()

    expect(await promoteSplitWinners(container, new Date(Date.now() + 2000))).toEqual([
      { flow_id: flow.id, split_id: "subject-test", variant: "b" },
    ])
    const [version] = await flows.listFlowVersions({ flow_id: flow.id, version: 2 })
    expect(version).toMatchObject({ created_by: "auto-promote", change: expect.objectContaining({ type: "promote_winner", variant: "b" }) })
    expect((await api.get(`/admin/flows/${flow.id}`, store.adminHeaders)).data.flow.definition.steps[0].winner).toBe("b")
    // Promoted once: the job finds nothing more, and a second promotion by hand is a conflict.
    expect(await promoteSplitWinners(container, new Date(Date.now() + 3000))).toEqual([])
    const again = await attempt(api.post(`/admin/flows/${flow.id}/splits/subject-test/promote`, { variant: "a" }, store.adminHeaders))
    expect(again.status).toBe(409)
  })

  it("promotes by hand, recording the admin who did it, and refuses what the flow does not have", async () => {
    const flow = await createActive("Manual", splitFlow(false))
    const me = (await api.get("/admin/users/me", store.adminHeaders)).data.user
    const { data } = await api.post(`/admin/flows/${flow.id}/splits/subject-test/promote`, { variant: "a" }, store.adminHeaders)
    expect(data.version).toMatchObject({ version: 2, created_by: `user:${me.id}` })
    expect(data.flow.definition.steps[0].winner).toBe("a")
    const experiments = (await api.get(`/admin/flows/${flow.id}/experiments`, store.adminHeaders)).data
    expect(experiments.promotions).toEqual([expect.objectContaining({ created_by: `user:${me.id}`, version: 2 })])

    const unknownSplit = await attempt(api.post(`/admin/flows/${flow.id}/splits/nope/promote`, { variant: "a" }, store.adminHeaders))
    expect(unknownSplit.status).toBe(404)
    const fresh = await createActive("Manual 2", splitFlow(false))
    const unknownVariant = await attempt(
      api.post(`/admin/flows/${fresh.id}/splits/subject-test/promote`, { variant: "z" }, store.adminHeaders)
    )
    expect(unknownVariant.status).toBe(400)
    const noBody = await attempt(api.post(`/admin/flows/${fresh.id}/splits/subject-test/promote`, {}, store.adminHeaders))
    expect(noBody.status).toBe(400)
    const badPeriod = await attempt(api.get(`/admin/flows/${fresh.id}/experiments?from=2026-02-01&to=2026-01-01`, store.adminHeaders))
    expect(badPeriod.status).toBe(400)
  })
})
